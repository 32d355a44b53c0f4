#include "RecordingReaderV2.h"

#include "RecordingFormat.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace poolscope {

using recording::ItemKind;

namespace {

std::uint32_t readU32(const std::uint8_t* p)
{
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8)
        | (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

qint64 readI64(const std::uint8_t* p)
{
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return static_cast<qint64>(v);
}

} // namespace

RecordingReaderV2::~RecordingReaderV2()
{
    if (m_map)
        m_file.unmap(m_map);
}

bool RecordingReaderV2::refuse(const QString& message, QString* error)
{
    if (error)
        *error = message;
    return false;
}

bool RecordingReaderV2::open(const QString& path, QString* error)
{
    m_path = path;
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::ReadOnly))
        return refuse(u"Cannot read %1: %2"_s.arg(path, m_file.errorString()), error);
    const QByteArray header = m_file.read(recording::kHeaderSize2);
    if (header.size() < recording::kHeaderSize2)
        return refuse(u"%1 is damaged: its header is cut short (%2 of %3 bytes)."_s.arg(path)
                          .arg(header.size())
                          .arg(recording::kHeaderSize2),
            error);
    const auto version = static_cast<int>(readU32(reinterpret_cast<const std::uint8_t*>(header.constData()) + 8));
    if (version > recording::kNewestFormat) {
        return refuse(u"%1 was recorded by a newer PoolScope (format %2); this build reads up to %3."_s.arg(path)
                          .arg(version)
                          .arg(recording::kNewestFormat),
            error);
    }
    if (version != recording::kFormatVersion2)
        return refuse(u"%1 is damaged: its format version is %2."_s.arg(path).arg(version), error);
    m_formatVersion = version;
    m_scanned = recording::kHeaderSize2;
    refresh();
    QString why;
    if (!readMeta(&why))
        return refuse(u"%1 is damaged: %2."_s.arg(path, why), error);
    return true;
}

bool RecordingReaderV2::readMeta(QString* why)
{
    const qint64 at = recording::kHeaderSize2;
    if (m_scanned <= at || m_map[at + 4] != static_cast<std::uint8_t>(recording::RecordType::Meta)) {
        *why = m_damage.isEmpty() && m_cutShort.isEmpty() ? u"it has no meta record"_s
                                                          : u"its meta record cannot be read"_s;
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char*>(payload(at)), readU32(m_map + at)), &parseError);
    if (!document.isObject()) {
        *why = u"its meta record is not a JSON object (%1)"_s.arg(parseError.errorString());
        return false;
    }
    const QJsonObject meta = document.object();
    m_poolscopeVersion = meta.value(u"poolscope_version"_s).toString();
    m_createdAt = meta.value(u"created_at"_s).toString();
    const QString json = meta.value(u"workspace"_s).toString();
    QString rebuilt;
    if (json.isEmpty()) {
        rebuilt = u"missing"_s;
    } else {
        const WorkspaceResult parsed = parseWorkspace(json.toUtf8(), m_path + u" (meta.workspace)"_s);
        if (parsed.ok())
            m_workspace = *parsed.workspace;
        else
            rebuilt = parsed.errors.join(u"; "_s);
    }
    if (!rebuilt.isEmpty()) {
        // Rebuilt from the names the meta record lists.
        for (const QJsonValue& value : meta.value(u"targets"_s).toArray()) {
            TargetConfig config;
            config.name = value[u"name"_s].toString();
            config.applicationName = value[u"application_name"_s].toString();
            config.database = value[u"database"_s].toString();
            m_workspace.targets.append(config);
        }
        for (const QJsonValue& value : meta.value(u"databases"_s).toArray()) {
            DatabaseConfig config;
            config.name = value.toString();
            m_workspace.databases.append(config);
        }
        for (const QJsonValue& value : meta.value(u"poolers"_s).toArray()) {
            PoolerConfig config;
            config.name = value[u"name"_s].toString();
            config.database = value[u"database"_s].toString();
            m_workspace.poolers.append(config);
        }
        m_problems.append(
            u"%1: meta.workspace: %2; rebuilt from the recorded target and database names"_s.arg(m_path, rebuilt));
    }
    return true;
}

QStringList RecordingReaderV2::problems() const
{
    QStringList all = m_problems;
    if (!m_damage.isEmpty())
        all.append(m_damage);
    if (!m_cutShort.isEmpty())
        all.append(m_cutShort);
    return all;
}

void RecordingReaderV2::refresh()
{
    if (!m_damage.isEmpty())
        return; // nothing after a damaged record is read
    const qint64 size = m_file.size();
    if (size == m_mapSize)
        return;
    if (size < m_scanned) {
        // Cut while open: forget what is no longer there (reading a mapped page past the end would crash).
        m_damage = u"%1: the file shrank to %2 bytes while open; what was after is not read"_s.arg(m_path).arg(size);
        std::erase_if(
            m_frames, [size](const Frame& f) { return f.offset + recording::kRecordOverhead + f.size > size; });
        std::erase_if(
            m_keyframes, [size](const Keyframe& k) { return k.offset + recording::kRecordOverhead + k.size > size; });
        m_frames.erase(std::find_if(m_frames.begin(), m_frames.end(),
                           [this](const Frame& f) { return f.keyframe >= static_cast<int>(m_keyframes.size()); }),
            m_frames.end());
        m_cursor.valid = false;
    }
    if (m_map)
        m_file.unmap(m_map);
    m_map = size > 0 ? m_file.map(0, size) : nullptr;
    m_mapSize = m_map ? size : 0;
    if (!m_map && size > 0) {
        m_damage = u"%1: cannot be mapped: %2"_s.arg(m_path, m_file.errorString());
        m_frames.clear();
        m_keyframes.clear();
        m_cursor.valid = false;
        return;
    }
    if (m_damage.isEmpty())
        scan();
}

void RecordingReaderV2::scan()
{
    m_cutShort.clear();
    qint64 at = m_scanned;
    while (at < m_mapSize) {
        const qint64 left = m_mapSize - at;
        const QString rest = u"the rest of the file (%1 bytes) is not read"_s.arg(left);
        if (left < recording::kRecordOverhead) {
            m_cutShort = u"%1: record at byte %2: cut short (%3 bytes); %4"_s.arg(m_path).arg(at).arg(left).arg(rest);
            break;
        }
        const std::uint32_t size = readU32(m_map + at);
        if (size > recording::kMaxRecordPayload) {
            m_damage = u"%1: record at byte %2: its length (%3 bytes) is not plausible; %4"_s.arg(m_path)
                           .arg(at)
                           .arg(size)
                           .arg(rest);
            break;
        }
        const qint64 total = recording::kRecordOverhead + static_cast<qint64>(size);
        if (left < total) {
            m_cutShort = u"%1: record at byte %2: cut short (%3 of %4 bytes); %5"_s.arg(m_path)
                             .arg(at)
                             .arg(left)
                             .arg(total)
                             .arg(rest);
            break;
        }
        const std::uint32_t crc = recording::crc32(m_map + at + 4, size + 1);
        if (crc != readU32(m_map + at + 5 + size)) {
            m_damage = u"%1: record at byte %2: checksum mismatch; %3"_s.arg(m_path).arg(at).arg(rest);
            break;
        }
        const auto type = static_cast<recording::RecordType>(m_map[at + 4]);
        if (type == recording::RecordType::Keyframe) {
            if (size < 8) {
                m_damage = u"%1: record at byte %2: a keyframe too short; %3"_s.arg(m_path).arg(at).arg(rest);
                break;
            }
            m_keyframes.push_back(Keyframe { at, size, static_cast<int>(m_frames.size()) });
        } else if (type == recording::RecordType::Frame) {
            if (size < 16) {
                m_damage = u"%1: record at byte %2: a frame too short; %3"_s.arg(m_path).arg(at).arg(rest);
                break;
            }
            m_frames.push_back(Frame {
                at, size, readI64(payload(at)), readI64(payload(at) + 8), static_cast<int>(m_keyframes.size()) - 1 });
        }
        // Meta is read by open(); a type this build does not know is skipped (an additive change).
        at += total;
        m_scanned = at;
    }
}

qint64 RecordingReaderV2::dataVersion()
{
    refresh();
    return m_mapSize;
}

void RecordingReaderV2::decodeProblem(qint64 offset, const QString& what)
{
    const QString line = u"%1: record at byte %2: %3; the rest of the file (%4 bytes) is not read"_s.arg(m_path)
                             .arg(offset)
                             .arg(what)
                             .arg(m_mapSize - offset);
    if (!m_problems.contains(line))
        m_problems.append(line);
}

RecordingReader::TimeRange RecordingReaderV2::timeRange()
{
    refresh();
    RecordingReader::TimeRange range;
    for (const Frame& frame : m_frames) {
        if (range.firstMs == 0 || frame.minMs < range.firstMs)
            range.firstMs = frame.minMs;
        range.lastMs = std::max(range.lastMs, frame.maxMs);
    }
    return range;
}

int RecordingReaderV2::startFor(qint64 tMs) const
{
    // Frames are in time order (the Session's clock): the last one that starts at or before tMs, from the
    // start of its block.
    const auto after = std::upper_bound(
        m_frames.cbegin(), m_frames.cend(), tMs, [](qint64 t, const Frame& frame) { return t < frame.minMs; });
    if (after == m_frames.cbegin())
        return -1;
    const Frame& frame = *(after - 1);
    return frame.keyframe < 0 ? 0 : m_keyframes.at(static_cast<std::size_t>(frame.keyframe)).firstFrame;
}

template <typename Decide, typename Visit>
bool RecordingReaderV2::walk(ReplayState* state, int first, Decide&& decide, Visit&& visit)
{
    state->clear();
    if (first < 0)
        return true;
    int keyframe = -1;
    ReplayState::Item item;
    for (auto f = static_cast<std::size_t>(first); f < m_frames.size(); ++f) {
        const Frame& frame = m_frames.at(f);
        if (frame.keyframe != keyframe) {
            // The start of a block: its keyframe holds the whole state, with the strings its frames use.
            keyframe = frame.keyframe;
            const Keyframe& k = m_keyframes.at(static_cast<std::size_t>(keyframe));
            QString why;
            if (!state->restoreKeyframe(payload(k.offset), static_cast<std::size_t>(k.size), &why)) {
                decodeProblem(k.offset, why);
                return false;
            }
        }
        ByteReader in(payload(frame.offset) + 16, static_cast<std::size_t>(frame.size - 16));
        state->beginItems(frame.minMs);
        ItemKind kind {};
        qint64 ts = 0;
        while (state->readItemHead(in, &kind, &ts)) {
            const Step step = decide(kind, ts);
            if (step == Step::Stop)
                return true;
            if (!state->decodeItem(in, kind, ts, step == Step::Visit ? &item : nullptr)) {
                decodeProblem(frame.offset, u"cannot be decoded"_s);
                return false;
            }
            if (step == Step::Visit)
                visit(item);
        }
        if (!in.ok()) {
            decodeProblem(frame.offset, u"cannot be decoded"_s);
            return false;
        }
    }
    return true;
}

bool RecordingReaderV2::applyFrame(ReplayState* state, std::size_t index, qint64 tMs, bool* stopped)
{
    const Frame& frame = m_frames.at(index);
    ByteReader in(payload(frame.offset) + 16, static_cast<std::size_t>(frame.size - 16));
    state->beginItems(frame.minMs);
    ItemKind kind {};
    qint64 ts = 0;
    *stopped = false;
    while (state->readItemHead(in, &kind, &ts)) {
        if (ts > tMs) {
            *stopped = true;
            return true;
        }
        if (!state->decodeItem(in, kind, ts, nullptr))
            break;
    }
    if (in.ok())
        return true;
    decodeProblem(frame.offset, u"cannot be decoded"_s);
    return false;
}

bool RecordingReaderV2::stateAt(qint64 tMs, ReplayState* state)
{
    refresh();
    state->clear();
    const auto after = std::upper_bound(
        m_frames.cbegin(), m_frames.cend(), tMs, [](qint64 t, const Frame& frame) { return t < frame.minMs; });
    if (after == m_frames.cbegin())
        return true;
    const auto last = static_cast<std::size_t>(after - m_frames.cbegin() - 1);
    const int keyframe = m_frames.at(last).keyframe;

    // Go on from the state kept by the previous query when it is of the same block and not past tMs (the time
    // cursor moving forward, or the same moment asked for another database, target or pooler).
    std::size_t next = 0;
    if (m_cursor.valid && m_cursor.keyframe == keyframe && m_cursor.nextFrame <= last && m_cursor.maxMs <= tMs) {
        *state = m_cursor.state;
        next = m_cursor.nextFrame;
    } else {
        m_cursor.valid = false;
        if (keyframe >= 0) {
            const Keyframe& k = m_keyframes.at(static_cast<std::size_t>(keyframe));
            QString why;
            if (!state->restoreKeyframe(payload(k.offset), static_cast<std::size_t>(k.size), &why)) {
                decodeProblem(k.offset, why);
                state->clear();
                return false;
            }
            next = static_cast<std::size_t>(k.firstFrame);
        }
    }
    qint64 maxMs = m_cursor.valid ? m_cursor.maxMs : std::numeric_limits<qint64>::min();
    bool stopped = false;
    for (; next < last; ++next) {
        if (!applyFrame(state, next, tMs, &stopped))
            return false;
        if (stopped)
            return true; // times out of order: nothing kept for the next query
        maxMs = std::max(maxMs, m_frames.at(next).maxMs);
    }
    m_cursor.valid = true;
    m_cursor.keyframe = keyframe;
    m_cursor.nextFrame = last;
    m_cursor.maxMs = maxMs;
    m_cursor.state = *state;
    return applyFrame(state, last, tMs, &stopped);
}

bool RecordingReaderV2::startBlock(ReplayState& state, int keyframe)
{
    if (keyframe < 0) {
        state.clear();
        return true;
    }
    const Keyframe& k = m_keyframes.at(static_cast<std::size_t>(keyframe));
    QString why;
    if (state.restoreKeyframe(payload(k.offset), static_cast<std::size_t>(k.size), &why))
        return true;
    decodeProblem(k.offset, why);
    return false;
}

void RecordingReaderV2::replayItems(ReplayState& state, int keyframe, std::size_t firstFrame, qint64 count)
{
    if (!startBlock(state, keyframe))
        return;
    for (std::size_t f = firstFrame; f < m_frames.size() && count > 0; ++f) {
        const Frame& frame = m_frames.at(f);
        ByteReader in(payload(frame.offset) + 16, static_cast<std::size_t>(frame.size - 16));
        state.beginItems(frame.minMs);
        ItemKind kind {};
        qint64 ts = 0;
        while (count > 0 && state.readItemHead(in, &kind, &ts) && state.decodeItem(in, kind, ts, nullptr))
            --count;
    }
}

template <typename Visit, typename NewBlock>
bool RecordingReaderV2::replayAll(ReplayState& state, ReplayState::Item& item,
    const std::function<bool(double)>& progress, Visit&& visit, NewBlock&& newBlock)
{
    refresh();
    const qsizetype problemsBefore = problems().size();
    qint64 fed = 0;
    bool canceled = false;
    const qint64 total = std::max<qint64>(1, m_mapSize);
    int keyframe = -2;
    std::size_t blockStart = 0; // the first frame of the block
    qint64 fedInBlock = 0;
    // Frame by frame (walk() from a frame would run to the end), so that the progress knows where it is.
    for (std::size_t f = 0; f < m_frames.size() && !canceled; ++f) {
        const Frame& frame = m_frames.at(f);
        if (frame.keyframe != keyframe) {
            // A damaged keyframe leaves the state as after the block before it.
            if (!startBlock(state, frame.keyframe))
                return false;
            keyframe = frame.keyframe;
            blockStart = f;
            fedInBlock = 0;
            newBlock();
        }
        ByteReader in(payload(frame.offset) + 16, static_cast<std::size_t>(frame.size - 16));
        state.beginItems(frame.minMs);
        ItemKind kind {};
        qint64 ts = 0;
        while (state.readItemHead(in, &kind, &ts)) {
            if (progress && (++fed % 512) == 0
                && !progress(static_cast<double>(frame.offset) / static_cast<double>(total))) {
                canceled = true;
                break;
            }
            if (!state.decodeItem(in, kind, ts, &item)) {
                decodeProblem(frame.offset, u"cannot be decoded"_s);
                // The damaged item is half applied: back to the state after the item before it.
                replayItems(state, keyframe, blockStart, fedInBlock);
                newBlock();
                return false;
            }
            ++fedInBlock;
            visit(item);
        }
        if (!canceled && !in.ok()) {
            decodeProblem(frame.offset, u"cannot be decoded"_s);
            return false;
        }
    }
    if (canceled) {
        m_problems.append(u"load: canceled"_s);
        return false;
    }
    return problems().size() == problemsBefore && m_damage.isEmpty() && m_cutShort.isEmpty();
}

bool RecordingReaderV2::loadInto(Session& session)
{
    ReplayState state;
    ReplayState::Item item;
    return replayAll(
        state, item, {},
        [&session](const ReplayState::Item& decoded) {
            switch (decoded.kind) {
            case ItemKind::Sample:
                session.addSample(decoded.sample);
                break;
            case ItemKind::Snapshot:
                session.addSnapshot(decoded.snapshot);
                break;
            case ItemKind::Event:
                session.addEvent(decoded.event);
                break;
            case ItemKind::Pooler:
                session.addPoolerSnapshot(decoded.pooler);
                break;
            }
        },
        [] {});
}

namespace {

// The backends of each target in the replay state's newest read of its database, kept as the backends change
// (ReplayState::BackendObserver) rather than counted anew on every read. backendBelongsTo decides, as for
// addSnapshot. A target linked by pgbouncer_clients is counted anew on each read: whether a backend is its own
// depends on the poolers' reads, which change apart from the backends.
class BackendTally
{
public:
    explicit BackendTally(const SessionContent& content)
        : m_content(content)
        , m_counts(content.targets.size(), 0)
    {
        for (std::size_t i = 0; i < content.targets.size(); ++i) {
            const TargetConfig& config = content.targets[i].config;
            if (backendsCounted(config) && !backendsLinkedByPoolers(config))
                m_kept[config.database].append(i);
        }
    }

    // Counts anew over the state's backends (a keyframe replaced them as a whole).
    void recount(const ReplayState& state)
    {
        for (auto it = m_kept.cbegin(); it != m_kept.cend(); ++it) {
            const auto rows = state.databases().constFind(it.key());
            for (const std::size_t i : it.value()) {
                m_counts[i] = rows == state.databases().cend()
                    ? 0
                    : countBackendsOf(rows->backends, m_content.targets[i].config, {});
            }
        }
    }

    void changed(const QString& database, const Backend* before, const Backend* after)
    {
        const auto it = m_kept.constFind(database);
        if (it == m_kept.constEnd())
            return;
        for (const std::size_t i : *it) {
            const TargetConfig& config = m_content.targets[i].config;
            m_counts[i] += (after && backendBelongsTo(*after, config) ? 1 : 0)
                - (before && backendBelongsTo(*before, config) ? 1 : 0);
        }
    }

    qint64 count(std::size_t index, const QList<Backend>& backends, const QList<const PoolerSnapshot*>& poolers) const
    {
        const TargetConfig& config = m_content.targets[index].config;
        return backendsLinkedByPoolers(config) ? countBackendsOf(backends, config, poolers) : m_counts[index];
    }

private:
    const SessionContent& m_content;
    std::vector<qint64> m_counts; // by target index; only those in m_kept are kept
    QHash<QString, QList<std::size_t>> m_kept; // database -> the targets on it counted as backends change
};

} // namespace

bool RecordingReaderV2::read(SessionContent& content, const std::function<bool(double)>& progress)
{
    // The timeline: samples, events and pgbouncer reads as they were fed; a pg_stat_activity read as its head
    // and each target's backend count, the backends staying in the replay state (copying 1,000 backends per
    // read cost most of the time). Each database's newest read, backends and all, is given once at the end.
    ReplayState state;
    BackendTally tally(content);
    state.setBackendObserver([&tally](const QString& database, const Backend* before, const Backend* after) {
        tally.changed(database, before, after);
    });
    ReplayState::Item item;
    item.snapshotBackends = false;
    const QList<Backend> none;
    const bool complete = replayAll(
        state, item, progress,
        [&](const ReplayState::Item& decoded) {
            switch (decoded.kind) {
            case ItemKind::Sample:
                content.addSample(decoded.sample);
                break;
            case ItemKind::Snapshot: {
                const auto rows = state.databases().constFind(decoded.snapshot.database);
                const QList<Backend>& backends = rows != state.databases().constEnd() ? rows->backends : none;
                content.addCountedSnapshot(
                    decoded.snapshot, [&](std::size_t index, const QList<const PoolerSnapshot*>& poolers) {
                        return tally.count(index, backends, poolers);
                    });
                break;
            }
            case ItemKind::Event:
                content.addEvent(decoded.event);
                break;
            case ItemKind::Pooler:
                content.addPoolerSnapshot(decoded.pooler);
                break;
            }
        },
        [&tally, &state] { tally.recount(state); });
    for (const ActivitySnapshot& newest : state.databases())
        content.setNewestSnapshot(newest);
    return complete;
}

ActivitySnapshot RecordingReaderV2::snapshotAt(const QString& database, qint64 tMs)
{
    ReplayState state;
    stateAt(tMs, &state);
    const auto it = state.databases().constFind(database);
    if (it == state.databases().constEnd()) {
        ActivitySnapshot none;
        none.database = database;
        return none;
    }
    return it.value();
}

QList<RouteStats> RecordingReaderV2::routesAt(const QString& target, qint64 tMs)
{
    ReplayState state;
    stateAt(tMs, &state);
    const auto it = state.targets().constFind(target);
    return it != state.targets().constEnd() && it->hasLastOk ? it->lastOk.routes : QList<RouteStats>();
}

HolderReport RecordingReaderV2::holdersAt(const QString& target, qint64 tMs)
{
    ReplayState state;
    stateAt(tMs, &state);
    HolderReport report;
    const auto it = state.targets().constFind(target);
    if (it == state.targets().constEnd() || !it->hasLastOk || !it->lastOk.holdersReported)
        return report;
    report.reported = true;
    report.timestampMs = it->lastOk.timestampMs;
    report.holders = it->lastOk.holders;
    return report;
}

PoolerSnapshot RecordingReaderV2::poolerSnapshotAt(const QString& pooler, qint64 tMs)
{
    ReplayState state;
    stateAt(tMs, &state);
    PoolerSnapshot snapshot;
    const auto it = state.poolers().constFind(pooler);
    if (it != state.poolers().constEnd())
        snapshot = it.value();
    snapshot.pooler = pooler;
    for (const PoolerConfig& config : std::as_const(m_workspace.poolers)) {
        if (config.name == pooler)
            snapshot.database = config.database;
    }
    return snapshot;
}

template <typename Start, typename Visit>
void RecordingReaderV2::walkSamples(qint64 fromMs, qint64 toMs, Start&& start, Visit&& visit)
{
    refresh();
    ReplayState state;
    const int first = std::max(0, startFor(fromMs == std::numeric_limits<qint64>::min() ? fromMs : fromMs - 1));
    bool started = false;
    auto decide = [&](ItemKind kind, qint64 ts) {
        if (ts > toMs)
            return Step::Stop;
        if (ts < fromMs)
            return Step::Apply;
        if (!started) {
            started = true;
            start(state);
        }
        return kind == ItemKind::Sample ? Step::Visit : Step::Apply;
    };
    walk(&state, first, decide, [&visit](const ReplayState::Item& item) { visit(item.sample); });
}

QList<RecordingReader::HolderChange> RecordingReaderV2::holderChanges(qint64 fromMs, qint64 toMs)
{
    QList<RecordingReader::HolderChange> changes;
    QHash<QString, std::pair<bool, QList<Holder>>> previous; // target -> its newest successful sample's holders
    auto start = [&previous](const ReplayState& state) {
        for (auto it = state.targets().cbegin(); it != state.targets().cend(); ++it) {
            if (it->hasLastOk)
                previous.insert(it.key(), { it->lastOk.holdersReported, it->lastOk.holders });
        }
    };
    auto visit = [&](const Sample& sample) {
        if (!sample.ok())
            return;
        auto& before = previous[sample.target];
        if (before.first == sample.holdersReported && before.second == sample.holders)
            return;
        before = { sample.holdersReported, sample.holders };
        RecordingReader::HolderChange change;
        change.timestampMs = sample.timestampMs;
        change.target = sample.target;
        change.report.timestampMs = sample.timestampMs;
        change.report.reported = sample.holdersReported;
        change.report.holders = sample.holders;
        changes.append(change);
    };
    walkSamples(fromMs, toMs, start, visit);
    return changes;
}

QList<RecordingReader::RouteChange> RecordingReaderV2::routeChanges(qint64 fromMs, qint64 toMs)
{
    QList<RecordingReader::RouteChange> changes;
    QHash<QString, QList<RouteStats>> previous; // target -> its previous sample's routes
    auto start = [&previous](const ReplayState& state) {
        for (auto it = state.targets().cbegin(); it != state.targets().cend(); ++it)
            previous.insert(it.key(), it->last.routes);
    };
    auto visit = [&](const Sample& sample) {
        QList<RouteStats>& before = previous[sample.target];
        // As format 1 stored them: a route that is new, changed its counters or moved.
        for (qsizetype i = 0; i < sample.routes.size(); ++i) {
            const RouteStats& route = sample.routes.at(i);
            if (i < before.size() && before.at(i) == route)
                continue;
            if (i < before.size() && before.at(i).name == route.name && !isPresent(route.acquired)
                && !isPresent(before.at(i).acquired) && !isPresent(route.released) && !isPresent(before.at(i).released)
                && !isPresent(route.active) && !isPresent(before.at(i).active) && !isPresent(route.leaks)
                && !isPresent(before.at(i).leaks))
                continue; // all absent both times (NaN != NaN)
            changes.append(RecordingReader::RouteChange { sample.timestampMs, sample.target, route });
        }
        before = sample.routes;
    };
    walkSamples(fromMs, toMs, start, visit);
    return changes;
}

QList<RecordingReader::BackendChange> RecordingReaderV2::backendChanges(
    const QString& database, qint64 fromMs, qint64 toMs)
{
    refresh();
    QList<RecordingReader::BackendChange> changes;
    ReplayState state;
    const int first = std::max(0, startFor(fromMs));
    bool started = false;
    QList<Backend> previous;
    auto begin = [&] {
        started = true;
        const auto it = state.databases().constFind(database);
        if (it == state.databases().constEnd())
            return;
        previous = it->backends;
        for (const Backend& backend : std::as_const(previous))
            changes.append(RecordingReader::BackendChange { it->timestampMs, database, backend });
    };
    auto decide = [&](ItemKind kind, qint64 ts) {
        if (ts <= fromMs)
            return Step::Apply;
        if (!started)
            begin();
        if (ts > toMs)
            return Step::Stop;
        return kind == ItemKind::Snapshot ? Step::Visit : Step::Apply;
    };
    auto visit = [&](const ReplayState::Item& item) {
        const ActivitySnapshot& snapshot = item.snapshot;
        if (snapshot.database != database || !snapshot.ok())
            return;
        // Both lists are ordered by (pid, backend_start): the rows that appeared or changed.
        qsizetype i = 0;
        for (const Backend& backend : snapshot.backends) {
            while (i < previous.size()
                && std::pair(previous.at(i).pid, previous.at(i).backendStartMs)
                    < std::pair(backend.pid, backend.backendStartMs))
                ++i;
            if (i < previous.size() && previous.at(i) == backend)
                continue;
            changes.append(RecordingReader::BackendChange { snapshot.timestampMs, database, backend });
        }
        previous = snapshot.backends;
    };
    walk(&state, first, decide, visit);
    if (!started)
        begin();
    return changes;
}

} // namespace poolscope
