// Compiled against src/store's include tree by the layers_* tests: store sits below analysis, so this
// include must not be found.
#include "analysis/Diagnosis.h"
