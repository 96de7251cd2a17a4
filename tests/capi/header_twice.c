/* The header included twice in one translation unit (its include guard), compiled as
 * strict C99 by tests/capi/CMakeLists.txt. */
#include "carecoord.h"
#include "carecoord.h"

int header_twice_version(void) { return CARECOORD_VERSION_NUMBER; }
