// Must NOT compile with -Werror: a Result is [[nodiscard]], and dropping one drops its errors.
#include <carecoord/engine.hpp>

int main() {
    carecoord::Engine::load_path("rulesets");
    return 0;
}
