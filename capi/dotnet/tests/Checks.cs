// What the .NET test programs share: checks that count and report failures without
// stopping, so that one run shows every failure.
using System;

internal static class Checks
{
    private static int count;
    private static int failed;

    public static void Check(bool ok, string what)
    {
        ++count;
        if (!ok)
        {
            ++failed;
            Console.Error.WriteLine("FAILED: " + what);
        }
    }

    // Prints the totals; the program's exit code.
    public static int Report()
    {
        Console.WriteLine(count + " checks, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
