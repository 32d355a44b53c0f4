#pragma once

#include "RecordingSource.h"
#include "ReplayState.h"

#include <QFile>
#include <QHash>

#include <vector>

namespace poolscope {

// Reads a recording of format 2 (SCHEMA.md, "Format 2"), mapped read-only.
//
// open() walks the record headers once (length, type, CRC; frames also give their first and last item
// times) into an index of keyframes and frames; nothing is decoded. The state at a moment is the nearest
// keyframe at or before it with the frames after it replayed up to that moment. A record that fails its
// checksum or is cut short ends what is read: problems() names the file and the byte, and everything
// before it is used. A recording still being written is followed: each query first indexes what was
// appended since (dataVersion() is the size read).
class RecordingReaderV2 final : public RecordingSource
{
public:
    RecordingReaderV2() = default;
    ~RecordingReaderV2() override;
    RecordingReaderV2(const RecordingReaderV2&) = delete;
    RecordingReaderV2& operator=(const RecordingReaderV2&) = delete;

    bool open(const QString& path, QString* error) override;
    QStringList problems() const override;
    int formatVersion() const override { return m_formatVersion; }
    QString poolscopeVersion() const override { return m_poolscopeVersion; }
    QString createdAt() const override { return m_createdAt; }
    Workspace workspace() const override { return m_workspace; }
    RecordingReader::TimeRange timeRange() override;
    qint64 dataVersion() override;
    bool loadInto(Session& session) override;
    bool read(SessionContent& content, const std::function<bool(double fraction)>& progress) override;
    ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) override;
    QList<RouteStats> routesAt(const QString& target, qint64 tMs) override;
    HolderReport holdersAt(const QString& target, qint64 tMs) override;
    QList<RecordingReader::HolderChange> holderChanges(qint64 fromMs, qint64 toMs) override;
    QList<RecordingReader::RouteChange> routeChanges(qint64 fromMs, qint64 toMs) override;
    QList<RecordingReader::BackendChange> backendChanges(const QString& database, qint64 fromMs, qint64 toMs) override;
    PoolerSnapshot poolerSnapshotAt(const QString& pooler, qint64 tMs) override;
    bool hasPoolerTables() const override { return true; }

private:
    struct Keyframe
    {
        qint64 offset = 0; // of the record
        qint64 size = 0; // of its payload
        int firstFrame = 0; // the index of the frame after it
    };
    struct Frame
    {
        qint64 offset = 0;
        qint64 size = 0;
        qint64 minMs = 0;
        qint64 maxMs = 0;
        int keyframe = -1; // the keyframe its block starts with (-1: none, the empty state)
    };
    // What walk() does with an item, told by its kind and time before it is decoded.
    enum class Step { Stop, Apply, Visit };

    bool refuse(const QString& message, QString* error);
    bool readMeta(QString* why);
    // Maps what the file holds now and indexes the records appended since the last call.
    void refresh();
    void scan();
    const std::uint8_t* payload(qint64 offset) const { return m_map + offset + 5; }
    void decodeProblem(qint64 offset, const QString& what);
    // The first frame to replay to reach the moment tMs: the first of the block holding the last frame that
    // starts at or before tMs; -1 when there is none.
    int startFor(qint64 tMs) const;
    // Replays frames [first, end) on *state (emptied first; the keyframe of each block is restored as it is
    // reached): each item's kind and time go to decide(); Apply decodes it into the state, Visit also hands the
    // decoded item to visit(), Stop ends the walk. False when a record cannot be decoded (a problem names it).
    template <typename Decide, typename Visit> bool walk(ReplayState* state, int first, Decide&& decide, Visit&& visit);
    // The samples in [fromMs, toMs], in order: replays from the keyframe before fromMs, calls start(state) once
    // with the state as it was just before the first item at or after fromMs, then visit(sample) for each sample.
    template <typename Start, typename Visit>
    void walkSamples(qint64 fromMs, qint64 toMs, Start&& start, Visit&& visit);
    // The state after every item at or before tMs.
    bool stateAt(qint64 tMs, ReplayState* state);
    // Decodes frame `index` into *state up to its first item later than tMs (then *stopped).
    bool applyFrame(ReplayState* state, std::size_t index, qint64 tMs, bool* stopped);
    // Restores the keyframe `keyframe` (-1: the empty state) into `state`; false (a problem names it, the state
    // unchanged) when it is damaged.
    bool startBlock(ReplayState& state, int keyframe);
    // The state after the first `count` items of the block of `keyframe`, whose first frame is `firstFrame`.
    void replayItems(ReplayState& state, int keyframe, std::size_t firstFrame, qint64 count);
    // Decodes every frame in order into `state` (newBlock() called once each block's keyframe is restored),
    // each item into `item` and then to visit(item); `progress` is asked now and then (false: stop, "load:
    // canceled" in problems()). False when something could not be read or reading was canceled; the state is
    // then the one after the last item visited (newBlock() called again when a damaged item was undone).
    template <typename Visit, typename NewBlock>
    bool replayAll(ReplayState& state, ReplayState::Item& item, const std::function<bool(double)>& progress,
        Visit&& visit, NewBlock&& newBlock);

    QString m_path;
    QFile m_file;
    std::uint8_t* m_map = nullptr;
    qint64 m_mapSize = 0;
    qint64 m_scanned = 0; // the end of the last whole record indexed
    QString m_damage; // a record that fails its checksum (nothing after it is read, ever)
    QString m_cutShort; // the last record is incomplete (it may still be being written)
    QStringList m_problems; // meta, decoding
    // The state of stateAt()'s previous query before its last frame: the next query goes on from it.
    struct Cursor
    {
        bool valid = false;
        int keyframe = -1; // the block
        std::size_t nextFrame = 0; // the frames of the block before it are applied
        qint64 maxMs = 0; // the newest item time applied
        ReplayState state;
    } m_cursor;
    std::vector<Keyframe> m_keyframes;
    std::vector<Frame> m_frames;

    int m_formatVersion = 0;
    QString m_poolscopeVersion;
    QString m_createdAt;
    Workspace m_workspace;
};

} // namespace poolscope
