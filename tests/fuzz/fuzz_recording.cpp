// libFuzzer target: the recording reader on arbitrary files.
//
// Input: the bytes of a recording file (mostly damaged SQLite). They are written to a file in a
// temporary directory and opened with RecordingReader, which must refuse or read what it can, never
// crash: every query review mode makes is run on it.

#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>
#include <limits>

using namespace poolscope;

namespace {

QTemporaryDir* g_dir = nullptr;

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    static QCoreApplication app(*argc, *argv);
    static QTemporaryDir dir;
    if (!dir.isValid())
        qFatal("fuzz_recording: cannot create a temporary directory");
    g_dir = &dir;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString path = g_dir->filePath(QStringLiteral("recording.sqlite"));
    // A leftover WAL or journal of the previous input would be replayed into this one.
    for (const char* suffix : { "", "-wal", "-shm", "-journal" })
        QFile::remove(path + QLatin1String(suffix));
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly)
            || file.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size)) != static_cast<qint64>(size))
            qFatal("fuzz_recording: cannot write %s", qPrintable(path));
    }

    RecordingReader reader;
    QString error;
    if (!reader.open(path, &error)) {
        if (error.isEmpty())
            __builtin_trap(); // a refusal always says why
        return 0;
    }
    const RecordingReader::TimeRange range = reader.timeRange();
    const Workspace workspace = reader.workspace();
    reader.dataVersion();
    constexpr qint64 kAll = std::numeric_limits<qint64>::max();
    for (const DatabaseConfig& database : workspace.databases) {
        reader.snapshotAt(database.name, range.lastMs);
        reader.backendChanges(database.name, range.firstMs, kAll);
    }
    for (const TargetConfig& target : workspace.targets)
        reader.routesAt(target.name, range.lastMs);
    reader.routeChanges(0, kAll);
    reader.load();
    SessionContent timeline(workspace); // what opening it in the window reads (backends counted, not copied)
    reader.read(timeline);
    return 0;
}
