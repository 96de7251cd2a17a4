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

    // Runs `action`, which must throw a T: the exception, or null (a failed check) when it
    // throws nothing or something else.
    public static T Expect<T>(Action action, string what) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            Check(true, what);
            return e;
        }
        catch (Exception e)
        {
            Check(false, what + " (threw " + e.GetType().Name + ": " + e.Message + ")");
            return null;
        }
        Check(false, what + " (no exception)");
        return null;
    }

    // Prints the totals; the program's exit code.
    public static int Report()
    {
        Console.WriteLine(count + " checks, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
