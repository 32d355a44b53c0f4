// libFuzzer target: the workspace loader.
//
// Input: a workspace file's bytes. A workspace that loads must also survive its own round trip:
// workspaceToJson() then parseWorkspace() again gives an equal workspace. A refusal lists at least one
// error.

#include "workspace/WorkspaceFile.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>

using namespace poolscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const WorkspaceResult result = parseWorkspace(input, QStringLiteral("fuzz.json"));
    if (!result.ok()) {
        if (result.errors.isEmpty())
            __builtin_trap();
        return 0;
    }
    const WorkspaceResult again = parseWorkspace(workspaceToJson(*result.workspace), QStringLiteral("again.json"));
    if (!again.ok() || !(*again.workspace == *result.workspace))
        __builtin_trap();
    return 0;
}
