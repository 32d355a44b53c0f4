#pragma once

#include "RecordingReader.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace poolscope {

class JobTracker;
class RecordingArchive;
class Session;

// Opens a recording for review without blocking the GUI thread. A job on `tracker` opens the file and
// reads it into plain data on a worker thread (its SQLite connections are used by that thread only
// until they are handed over); the receiver's thread gets it in steps:
//   timeline — a review Session with every target's history, the databases' newest reads and the time
//              range; the receiver takes it and may show it at once;
//   rest     — the events are then added to that Session (in chunks, so the window stays responsive)
//              and the archive the time cursor asks is handed over (null when it cannot be opened);
//              problems lists what a damaged file could not give.
// `failed` is called instead when the file cannot be used (the message names it). A canceled open
// delivers nothing more (JobTracker::jobFinished says it was canceled).
// A newer openRecording on the same tracker makes an older one stale (kind "open-recording").
struct RecordingOpenCallbacks
{
    std::function<void(std::unique_ptr<Session> session, RecordingReader::TimeRange range)> timeline;
    std::function<void(std::unique_ptr<RecordingArchive> archive, const QStringList& problems)> rest;
    std::function<void(const QString& error)> failed;
};

quint64 openRecording(JobTracker& tracker, const QString& path, QObject* receiver, RecordingOpenCallbacks callbacks);

} // namespace poolscope
