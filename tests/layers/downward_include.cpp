// Compiled against src/store's include tree by the layers_* tests: store uses types, so this is found.
#include "types/Metric.h"
