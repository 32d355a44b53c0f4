#pragma once

#include "ByteReader.h"
#include "ByteWriter.h"
#include "RecordingFormat.h"
#include "types/ActivitySnapshot.h"
#include "types/Event.h"
#include "types/PoolerSnapshot.h"
#include "types/Sample.h"

#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <map>

namespace poolscope {

// What a recording of format 2 has replayed so far (SCHEMA.md, "Format 2"): per target its previous sample and
// its newest successful one, per database its newest successful pg_stat_activity read (backends ordered by pid,
// then backend_start), per pooler its newest successful read; and the strings interned in the current block.
//
// One class serves the three sides, so they cannot disagree: the Recorder encodes each item as the change
// against this state (and applies it), a keyframe is the state encoded against an empty one, and the reader
// restores a keyframe and decodes the frames after it, applying each item the same way.
class ReplayState
{
public:
    struct TargetSlot
    {
        Sample last; // the previous sample (the base of metric and route changes)
        Sample lastOk; // the newest successful sample (routesAt, holdersAt; the base of holder changes)
        bool hasLast = false;
        bool hasLastOk = false;
    };
    // One decoded item (only the member of its kind is set).
    struct Item
    {
        recording::ItemKind kind = recording::ItemKind::Sample;
        qint64 timestampMs = 0;
        Sample sample;
        ActivitySnapshot snapshot;
        Event event;
        PoolerSnapshot pooler;
        // Set by the caller. False: a successful pg_stat_activity read's `snapshot` is its head only (database,
        // times, latency, connections; no backends), the backends staying in databases(): a read that does
        // not need every read's backends saves copying them (the next read's changes would detach the copy).
        bool snapshotBackends = true;
    };
    // Told of each backend a decoded pg_stat_activity read changes: `before` nullptr for one that appeared,
    // `after` nullptr for one that is gone, both for one whose columns changed. Lets a reader keep what it
    // derives from the backends (RecordingReaderV2's timeline read: each target's backend count) without
    // going through every backend of every read.
    using BackendObserver = std::function<void(const QString& database, const Backend* before, const Backend* after)>;

    // Forgets everything, the interned strings too (a new block).
    void clear();

    // ---- writer ----
    // Starts the items of a frame (or keyframe) whose item times are deltas from `baseMs`.
    void beginItems(qint64 baseMs) { m_baseMs = baseMs; }
    void encodeSample(ByteWriter& out, const Sample& sample);
    void encodeSnapshot(ByteWriter& out, const ActivitySnapshot& snapshot);
    void encodeEvent(ByteWriter& out, const Event& event);
    void encodePooler(ByteWriter& out, const PoolerSnapshot& snapshot);
    // The payload of a keyframe: the whole state encoded as items against an empty state, which then becomes
    // this state (with the keyframe's strings only: the block after it decodes on its own).
    QByteArray takeKeyframe(qint64 timestampMs);

    // ---- reader ----
    // Null (the default): nobody is told. Kept by clear() and restoreKeyframe(), which replace the backends as
    // a whole without telling it.
    void setBackendObserver(BackendObserver observer) { m_backendObserver = std::move(observer); }
    // Replaces the state with a keyframe's payload; false (and *why), the state unchanged, when it is damaged.
    bool restoreKeyframe(const std::uint8_t* data, std::size_t size, QString* why);
    // The kind and time of the next item; false at the end of the items or on damage (then !in.ok()).
    bool readItemHead(ByteReader& in, recording::ItemKind* kind, qint64* timestampMs);
    // Decodes the item whose head was just read and applies it; the item into *item unless nullptr.
    // False when it is damaged (the state is then unusable).
    bool decodeItem(ByteReader& in, recording::ItemKind kind, qint64 timestampMs, Item* item);

    const QHash<QString, TargetSlot>& targets() const { return m_targets; }
    // The newest successful read of each database (timestampMs 0: none yet).
    const QHash<QString, ActivitySnapshot>& databases() const { return m_databases; }
    const QHash<QString, PoolerSnapshot>& poolers() const { return m_poolers; }

private:
    void writeString(ByteWriter& out, const QString& text);
    bool readString(ByteReader& in, QString* text);
    void writeTime(ByteWriter& out, qint64 ms, qint64 reference);
    qint64 readTime(ByteReader& in, qint64 reference);
    void writeBackend(ByteWriter& out, const Backend& b, qint64 reference);
    bool readBackend(ByteReader& in, Backend* b, qint64 reference);
    void writeItemHead(ByteWriter& out, recording::ItemKind kind, qint64 timestampMs);

    bool decodeSample(ByteReader& in, qint64 timestampMs, Item* item);
    bool decodeSnapshot(ByteReader& in, qint64 timestampMs, Item* item);
    bool decodeEvent(ByteReader& in, qint64 timestampMs, Item* item);
    bool decodePooler(ByteReader& in, qint64 timestampMs, Item* item);

    QHash<QString, TargetSlot> m_targets;
    QHash<QString, ActivitySnapshot> m_databases;
    QHash<QString, PoolerSnapshot> m_poolers;
    QHash<QString, quint32> m_stringIds; // writer: interned string -> index in m_strings
    QList<QString> m_strings;
    qint64 m_baseMs = 0; // the previous item's time
    BackendObserver m_backendObserver;
};

} // namespace poolscope
