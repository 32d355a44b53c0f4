#include "ReplayState.h"

#include "HolderJson.h"
#include "RecordingFormat.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace Qt::StringLiterals;

namespace poolscope {

using recording::ItemKind;

namespace {

// How a value is stored against the previous one of the same series (two bits each, four to a byte).
enum ValueTag : std::uint8_t { Absent = 0, Same = 1, IntegerDelta = 2, Raw = 3 };

// Beyond this an integral double may not survive the trip through int64 arithmetic.
constexpr double kExactInteger = 9.0e15;

bool sameBits(double a, double b)
{
    if (!isPresent(a) || !isPresent(b))
        return !isPresent(a) && !isPresent(b);
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool integral(double v)
{
    return isPresent(v) && std::trunc(v) == v && std::fabs(v) < kExactInteger && !(v == 0 && std::signbit(v));
}

void writeValues(ByteWriter& out, const double* previous, const double* values, int count)
{
    ByteWriter data;
    std::uint8_t tags[8] = {};
    for (int i = 0; i < count; ++i) {
        const double v = values[i];
        const double p = previous[i];
        ValueTag tag = Raw;
        if (!isPresent(v)) {
            tag = Absent;
        } else if (isPresent(p) && sameBits(v, p)) {
            tag = Same;
        } else if (integral(v) && (!isPresent(p) || integral(p))) {
            tag = IntegerDelta;
            data.zigzag(static_cast<std::int64_t>(v) - (isPresent(p) ? static_cast<std::int64_t>(p) : 0));
        } else {
            data.real(v);
        }
        tags[i / 4] = static_cast<std::uint8_t>(tags[i / 4] | (tag << (2 * (i % 4))));
    }
    for (int i = 0; i < (count + 3) / 4; ++i)
        out.u8(tags[i]);
    out.bytes(data.data());
}

bool readValues(ByteReader& in, const double* previous, double* values, int count)
{
    std::uint8_t tags[8] = {};
    for (int i = 0; i < (count + 3) / 4; ++i)
        tags[i] = in.u8();
    for (int i = 0; i < count; ++i) {
        const double p = previous[i];
        switch ((tags[i / 4] >> (2 * (i % 4))) & 3) {
        case Absent:
            values[i] = kAbsent;
            break;
        case Same:
            if (!isPresent(p))
                return false;
            values[i] = p;
            break;
        case IntegerDelta: {
            const std::int64_t base = isPresent(p) ? static_cast<std::int64_t>(p) : 0;
            if (isPresent(p) && !integral(p))
                return false;
            values[i] = static_cast<double>(
                static_cast<std::int64_t>(static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(in.zigzag())));
            break;
        }
        default:
            values[i] = in.real();
            break;
        }
    }
    return in.ok();
}

std::array<double, 4> routeValues(const RouteStats& r)
{
    return { r.acquired, r.released, r.active, r.leaks };
}

void setRouteValues(RouteStats& r, const std::array<double, 4>& v)
{
    r.acquired = v[0];
    r.released = v[1];
    r.active = v[2];
    r.leaks = v[3];
}

bool sameRoute(const RouteStats& a, const RouteStats& b)
{
    return a.name == b.name && sameBits(a.acquired, b.acquired) && sameBits(a.released, b.released)
        && sameBits(a.active, b.active) && sameBits(a.leaks, b.leaks);
}

std::array<double, kMetricCount> metricValues(const MetricValues& m)
{
    std::array<double, kMetricCount> values {};
    for (int i = 0; i < kMetricCount; ++i)
        values[static_cast<std::size_t>(i)] = m[static_cast<Metric>(i)];
    return values;
}

using BackendKey = std::pair<int, qint64>;

BackendKey keyOf(const Backend& b)
{
    return { b.pid, b.backendStartMs };
}

bool backendOrder(const Backend& a, const Backend& b)
{
    return keyOf(a) < keyOf(b);
}

bool sameIdentity(const Backend& a, const Backend& b)
{
    return a.pid == b.pid && a.backendStartMs == b.backendStartMs && a.datname == b.datname && a.usename == b.usename
        && a.clientAddr == b.clientAddr && a.clientPort == b.clientPort && a.backendType == b.backendType;
}

// Bits of a changed backend's mutable columns (backend op "change").
constexpr std::uint32_t ApplicationName = 1U << 0;
constexpr std::uint32_t State = 1U << 1;
constexpr std::uint32_t XactStart = 1U << 2;
constexpr std::uint32_t QueryStart = 1U << 3;
constexpr std::uint32_t StateChange = 1U << 4;
constexpr std::uint32_t WaitEventType = 1U << 5;
constexpr std::uint32_t WaitEvent = 1U << 6;
constexpr std::uint32_t Query = 1U << 7;
constexpr std::uint32_t Withheld = 1U << 8;
constexpr std::uint32_t kAllColumns = (1U << 9) - 1;

// Backend ops of a snapshot: varint (argument << 2 | op); a varint 0 ends the list, and the backends not
// reached yet stay as they were.
enum BackendOp : std::uint64_t { Keep = 0, Drop = 1, Insert = 2, Change = 3 };

// Route ops of a sample.
enum RouteOp : std::uint64_t { RouteKeep = 0, RouteChange = 1, RouteNew = 2, RouteMoved = 3 };

// Upper bound of a count read from a record: each counted thing takes at least one byte.
bool plausibleCount(const ByteReader& in, std::uint64_t count)
{
    return count <= in.remaining();
}

} // namespace

void ReplayState::clear()
{
    m_targets.clear();
    m_databases.clear();
    m_poolers.clear();
    m_stringIds.clear();
    m_strings.clear();
    m_baseMs = 0;
}

// ---- strings, times ----

void ReplayState::writeString(ByteWriter& out, const QString& text)
{
    if (text.isEmpty()) {
        out.varint(0);
        return;
    }
    const auto it = m_stringIds.constFind(text);
    if (it != m_stringIds.constEnd()) {
        out.varint(static_cast<std::uint64_t>(it.value()) + 2);
        return;
    }
    const QByteArray utf8 = text.toUtf8();
    out.varint(1);
    out.varint(static_cast<std::uint64_t>(utf8.size()));
    out.bytes(utf8);
    m_stringIds.insert(text, static_cast<quint32>(m_strings.size()));
    m_strings.append(text);
}

bool ReplayState::readString(ByteReader& in, QString* text)
{
    const std::uint64_t code = in.varint();
    if (code == 0) {
        *text = QString();
        return in.ok();
    }
    if (code == 1) {
        const std::uint64_t size = in.varint();
        if (!plausibleCount(in, size))
            return false;
        const std::uint8_t* bytes = in.bytes(size);
        if (!bytes)
            return false;
        *text = QString::fromUtf8(reinterpret_cast<const char*>(bytes), static_cast<qsizetype>(size));
        m_strings.append(*text);
        return true;
    }
    const std::uint64_t index = code - 2;
    if (index >= static_cast<std::uint64_t>(m_strings.size()))
        return false;
    *text = m_strings.at(static_cast<qsizetype>(index));
    return in.ok();
}

void ReplayState::writeTime(ByteWriter& out, qint64 ms, qint64 reference)
{
    if (ms == kNoTime) {
        out.varint(0);
        return;
    }
    const auto delta
        = static_cast<std::int64_t>(static_cast<std::uint64_t>(ms) - static_cast<std::uint64_t>(reference));
    out.varint(((static_cast<std::uint64_t>(delta) << 1) ^ static_cast<std::uint64_t>(delta >> 63)) + 1);
}

qint64 ReplayState::readTime(ByteReader& in, qint64 reference)
{
    const std::uint64_t code = in.varint();
    if (code == 0)
        return kNoTime;
    const std::uint64_t zz = code - 1;
    const std::uint64_t delta = (zz >> 1) ^ (~(zz & 1) + 1);
    return static_cast<qint64>(static_cast<std::uint64_t>(reference) + delta);
}

void ReplayState::writeItemHead(ByteWriter& out, ItemKind kind, qint64 timestampMs)
{
    out.u8(static_cast<std::uint8_t>(kind));
    out.zigzag(
        static_cast<std::int64_t>(static_cast<std::uint64_t>(timestampMs) - static_cast<std::uint64_t>(m_baseMs)));
    m_baseMs = timestampMs;
}

bool ReplayState::readItemHead(ByteReader& in, ItemKind* kind, qint64* timestampMs)
{
    if (in.atEnd())
        return false;
    const std::uint8_t k = in.u8();
    if (k < static_cast<std::uint8_t>(ItemKind::Sample) || k > static_cast<std::uint8_t>(ItemKind::Pooler)) {
        in.fail();
        return false;
    }
    *kind = static_cast<ItemKind>(k);
    *timestampMs = static_cast<qint64>(static_cast<std::uint64_t>(m_baseMs) + static_cast<std::uint64_t>(in.zigzag()));
    m_baseMs = *timestampMs;
    return in.ok();
}

bool ReplayState::decodeItem(ByteReader& in, ItemKind kind, qint64 timestampMs, Item* item)
{
    if (item) {
        item->kind = kind;
        item->timestampMs = timestampMs;
    }
    switch (kind) {
    case ItemKind::Sample:
        return decodeSample(in, timestampMs, item) && in.ok();
    case ItemKind::Snapshot:
        return decodeSnapshot(in, timestampMs, item) && in.ok();
    case ItemKind::Event:
        return decodeEvent(in, timestampMs, item) && in.ok();
    case ItemKind::Pooler:
        return decodePooler(in, timestampMs, item) && in.ok();
    }
    return false;
}

// ---- samples ----

void ReplayState::encodeSample(ByteWriter& out, const Sample& sample)
{
    TargetSlot& slot = m_targets[sample.target];
    writeItemHead(out, ItemKind::Sample, sample.timestampMs);
    writeString(out, sample.target);
    out.zigzag(sample.latencyMs);
    writeString(out, sample.error);
    writeString(out, sample.holdersError);

    std::array<double, kMetricCount> previous {};
    previous.fill(kAbsent);
    if (slot.hasLast)
        previous = metricValues(slot.last.metrics);
    writeValues(out, previous.data(), metricValues(sample.metrics).data(), kMetricCount);

    // Routes: a list equal to the previous sample's costs one byte; otherwise only the routes that changed or
    // moved carry data, runs of unchanged ones a varint.
    const QList<RouteStats>& before = slot.last.routes;
    const QList<RouteStats>& routes = sample.routes;
    const bool sameList
        = before.size() == routes.size() && std::equal(before.cbegin(), before.cend(), routes.cbegin(), sameRoute);
    if (sameList) {
        out.varint(0);
    } else {
        out.varint(static_cast<std::uint64_t>(routes.size()) + 1);
        qsizetype i = 0;
        while (i < routes.size()) {
            qsizetype run = 0;
            while (
                i + run < routes.size() && i + run < before.size() && sameRoute(before.at(i + run), routes.at(i + run)))
                ++run;
            if (run > 0) {
                out.varint((static_cast<std::uint64_t>(run) << 2) | RouteKeep);
                i += run;
                continue;
            }
            const RouteStats& route = routes.at(i);
            std::array<double, 4> base {};
            base.fill(kAbsent);
            if (i < before.size() && before.at(i).name == route.name) {
                out.varint(RouteChange);
                base = routeValues(before.at(i));
            } else {
                const auto moved = std::find_if(
                    before.cbegin(), before.cend(), [&](const RouteStats& r) { return r.name == route.name; });
                if (moved != before.cend()) {
                    out.varint((static_cast<std::uint64_t>(moved - before.cbegin()) << 2) | RouteMoved);
                    base = routeValues(*moved);
                } else {
                    out.varint(RouteNew);
                    writeString(out, route.name);
                }
            }
            writeValues(out, base.data(), routeValues(route).data(), 4);
            ++i;
        }
    }

    if (sample.ok()) {
        const bool reported = slot.hasLastOk && slot.lastOk.holdersReported;
        const QList<Holder> none;
        const QList<Holder>& holders = slot.hasLastOk ? slot.lastOk.holders : none;
        if (sample.holdersReported == reported && sample.holders == holders) {
            out.u8(0);
        } else if (!sample.holdersReported) {
            out.u8(1);
        } else {
            out.u8(2);
            out.varint(static_cast<std::uint64_t>(sample.holders.size()));
            for (const Holder& holder : sample.holders)
                writeString(out, QString::fromUtf8(holderToJson(holder)));
        }
    }

    slot.last = sample;
    slot.hasLast = true;
    if (sample.ok()) {
        slot.lastOk = sample;
        slot.hasLastOk = true;
    } else {
        slot.last.holders.clear(); // not recorded for a failed sample
        slot.last.holdersReported = false;
    }
}

bool ReplayState::decodeSample(ByteReader& in, qint64 timestampMs, Item* item)
{
    Sample sample;
    sample.timestampMs = timestampMs;
    if (!readString(in, &sample.target))
        return false;
    TargetSlot& slot = m_targets[sample.target];
    sample.latencyMs = in.zigzag();
    if (!readString(in, &sample.error) || !readString(in, &sample.holdersError))
        return false;

    std::array<double, kMetricCount> previous {};
    previous.fill(kAbsent);
    if (slot.hasLast)
        previous = metricValues(slot.last.metrics);
    std::array<double, kMetricCount> values {};
    if (!readValues(in, previous.data(), values.data(), kMetricCount))
        return false;
    for (int i = 0; i < kMetricCount; ++i)
        sample.metrics.set(static_cast<Metric>(i), values[static_cast<std::size_t>(i)]);

    const QList<RouteStats>& before = slot.last.routes;
    const std::uint64_t listCode = in.varint();
    if (listCode == 0) {
        sample.routes = before;
    } else {
        const std::uint64_t count = listCode - 1;
        if (!plausibleCount(in, count))
            return false;
        sample.routes.reserve(static_cast<qsizetype>(count));
        while (static_cast<std::uint64_t>(sample.routes.size()) < count) {
            const std::uint64_t op = in.varint();
            const std::uint64_t argument = op >> 2;
            const qsizetype i = sample.routes.size();
            if ((op & 3) == RouteKeep) {
                if (argument == 0 || i + static_cast<qsizetype>(argument) > before.size()
                    || static_cast<std::uint64_t>(i) + argument > count)
                    return false;
                for (std::uint64_t k = 0; k < argument; ++k)
                    sample.routes.append(before.at(i + static_cast<qsizetype>(k)));
                continue;
            }
            RouteStats route;
            std::array<double, 4> base {};
            base.fill(kAbsent);
            if ((op & 3) == RouteChange) {
                if (i >= before.size())
                    return false;
                route.name = before.at(i).name;
                base = routeValues(before.at(i));
            } else if ((op & 3) == RouteMoved) {
                if (argument >= static_cast<std::uint64_t>(before.size()))
                    return false;
                route.name = before.at(static_cast<qsizetype>(argument)).name;
                base = routeValues(before.at(static_cast<qsizetype>(argument)));
            } else if (!readString(in, &route.name)) {
                return false;
            }
            std::array<double, 4> v {};
            if (!readValues(in, base.data(), v.data(), 4))
                return false;
            setRouteValues(route, v);
            sample.routes.append(route);
        }
    }

    if (sample.ok()) {
        const std::uint8_t holders = in.u8();
        if (holders == 0) {
            if (slot.hasLastOk) {
                sample.holdersReported = slot.lastOk.holdersReported;
                sample.holders = slot.lastOk.holders;
            }
        } else if (holders == 2) {
            sample.holdersReported = true;
            const std::uint64_t count = in.varint();
            if (!plausibleCount(in, count))
                return false;
            for (std::uint64_t k = 0; k < count; ++k) {
                QString json;
                if (!readString(in, &json))
                    return false;
                const std::optional<Holder> holder = holderFromJson(json.toUtf8());
                if (!holder)
                    return false;
                sample.holders.append(*holder);
            }
        } else if (holders != 1) {
            return false;
        }
    }
    if (!in.ok())
        return false;

    slot.last = sample;
    slot.hasLast = true;
    if (sample.ok()) {
        slot.lastOk = sample;
        slot.hasLastOk = true;
    }
    if (item)
        item->sample = std::move(sample);
    return true;
}

// ---- pg_stat_activity reads ----

void ReplayState::writeBackend(ByteWriter& out, const Backend& b, qint64 reference)
{
    out.zigzag(b.pid);
    writeTime(out, b.backendStartMs, reference);
    writeString(out, b.datname);
    writeString(out, b.usename);
    writeString(out, b.clientAddr);
    out.zigzag(b.clientPort);
    writeString(out, b.backendType);
    writeString(out, b.applicationName);
    writeString(out, b.state);
    writeTime(out, b.xactStartMs, reference);
    writeTime(out, b.queryStartMs, reference);
    writeTime(out, b.stateChangeMs, reference);
    writeString(out, b.waitEventType);
    writeString(out, b.waitEvent);
    writeString(out, b.query);
    out.u8(b.withheld ? 1 : 0);
}

bool ReplayState::readBackend(ByteReader& in, Backend* b, qint64 reference)
{
    b->pid = static_cast<int>(in.zigzag());
    b->backendStartMs = readTime(in, reference);
    if (!readString(in, &b->datname) || !readString(in, &b->usename) || !readString(in, &b->clientAddr))
        return false;
    b->clientPort = static_cast<int>(in.zigzag());
    if (!readString(in, &b->backendType) || !readString(in, &b->applicationName) || !readString(in, &b->state))
        return false;
    b->xactStartMs = readTime(in, reference);
    b->queryStartMs = readTime(in, reference);
    b->stateChangeMs = readTime(in, reference);
    if (!readString(in, &b->waitEventType) || !readString(in, &b->waitEvent) || !readString(in, &b->query))
        return false;
    const std::uint8_t withheld = in.u8();
    b->withheld = withheld != 0;
    return in.ok() && withheld <= 1;
}

void ReplayState::encodeSnapshot(ByteWriter& out, const ActivitySnapshot& snapshot)
{
    writeItemHead(out, ItemKind::Snapshot, snapshot.timestampMs);
    const qint64 ref = snapshot.timestampMs;
    writeString(out, snapshot.database);
    writeTime(out, snapshot.serverTimeMs, ref);
    out.zigzag(snapshot.latencyMs);
    out.zigzag(snapshot.maxConnections);
    out.zigzag(snapshot.reservedConnections);
    writeString(out, snapshot.error);
    if (!snapshot.ok())
        return; // the backends stay as last read

    ActivitySnapshot sorted = snapshot;
    if (!std::is_sorted(sorted.backends.cbegin(), sorted.backends.cend(), backendOrder))
        std::sort(sorted.backends.begin(), sorted.backends.end(), backendOrder);
    const QList<Backend> none;
    const auto known = m_databases.constFind(snapshot.database);
    const QList<Backend>& old = known != m_databases.constEnd() ? known->backends : none;
    const QList<Backend>& now = sorted.backends;

    std::uint64_t keep = 0;
    std::uint64_t drop = 0;
    auto flush = [&] {
        if (keep > 0)
            out.varint((keep << 2) | Keep);
        if (drop > 0)
            out.varint((drop << 2) | Drop);
        keep = 0;
        drop = 0;
    };
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < old.size() || j < now.size()) {
        if (i < old.size() && j < now.size() && keyOf(old.at(i)) == keyOf(now.at(j))) {
            const Backend& a = old.at(i);
            const Backend& b = now.at(j);
            if (!sameIdentity(a, b)) {
                // Same pid and start, other identity columns: the old one is gone, a new one appeared.
                if (keep > 0)
                    flush();
                ++drop;
                flush();
                out.varint(Insert);
                writeBackend(out, b, ref);
            } else if (a == b) {
                if (drop > 0)
                    flush();
                ++keep;
            } else {
                flush();
                std::uint32_t mask = 0;
                mask |= a.applicationName != b.applicationName ? ApplicationName : 0;
                mask |= a.state != b.state ? State : 0;
                mask |= a.xactStartMs != b.xactStartMs ? XactStart : 0;
                mask |= a.queryStartMs != b.queryStartMs ? QueryStart : 0;
                mask |= a.stateChangeMs != b.stateChangeMs ? StateChange : 0;
                mask |= a.waitEventType != b.waitEventType ? WaitEventType : 0;
                mask |= a.waitEvent != b.waitEvent ? WaitEvent : 0;
                mask |= a.query != b.query ? Query : 0;
                mask |= a.withheld != b.withheld ? Withheld : 0;
                out.varint((static_cast<std::uint64_t>(mask) << 2) | Change);
                if (mask & ApplicationName)
                    writeString(out, b.applicationName);
                if (mask & State)
                    writeString(out, b.state);
                if (mask & XactStart)
                    writeTime(out, b.xactStartMs, ref);
                if (mask & QueryStart)
                    writeTime(out, b.queryStartMs, ref);
                if (mask & StateChange)
                    writeTime(out, b.stateChangeMs, ref);
                if (mask & WaitEventType)
                    writeString(out, b.waitEventType);
                if (mask & WaitEvent)
                    writeString(out, b.waitEvent);
                if (mask & Query)
                    writeString(out, b.query);
            }
            ++i;
            ++j;
        } else if (j >= now.size() || (i < old.size() && backendOrder(old.at(i), now.at(j)))) {
            if (keep > 0)
                flush();
            ++drop;
            ++i;
        } else {
            flush();
            out.varint(Insert);
            writeBackend(out, now.at(j), ref);
            ++j;
        }
    }
    if (drop > 0)
        flush();
    out.varint(0); // the rest (unchanged) stays

    m_databases.insert(snapshot.database, sorted);
}

bool ReplayState::decodeSnapshot(ByteReader& in, qint64 timestampMs, Item* item)
{
    ActivitySnapshot head;
    head.timestampMs = timestampMs;
    if (!readString(in, &head.database))
        return false;
    head.serverTimeMs = readTime(in, timestampMs);
    head.latencyMs = in.zigzag();
    head.maxConnections = static_cast<int>(in.zigzag());
    head.reservedConnections = static_cast<int>(in.zigzag());
    if (!readString(in, &head.error))
        return false;
    if (!head.ok()) {
        if (item)
            item->snapshot = std::move(head);
        return in.ok();
    }

    ActivitySnapshot& state = m_databases[head.database];
    QList<Backend>& rows = state.backends; // changed in place: a replay without copies
    qsizetype i = 0;
    while (true) {
        const std::uint64_t op = in.varint();
        if (!in.ok())
            return false;
        if (op == 0)
            break;
        const std::uint64_t argument = op >> 2;
        switch (op & 3) {
        case Keep:
            if (argument > static_cast<std::uint64_t>(rows.size() - i))
                return false;
            i += static_cast<qsizetype>(argument);
            break;
        case Drop:
            if (argument > static_cast<std::uint64_t>(rows.size() - i))
                return false;
            if (m_backendObserver) {
                for (qsizetype k = i; k < i + static_cast<qsizetype>(argument); ++k)
                    m_backendObserver(head.database, &rows.at(k), nullptr);
            }
            rows.erase(rows.begin() + i, rows.begin() + i + static_cast<qsizetype>(argument));
            break;
        case Insert: {
            Backend b;
            if (argument != 0 || !readBackend(in, &b, timestampMs))
                return false;
            if ((i > 0 && !backendOrder(rows.at(i - 1), b)) || (i < rows.size() && !backendOrder(b, rows.at(i))))
                return false; // out of order: damage
            rows.insert(i, std::move(b));
            if (m_backendObserver)
                m_backendObserver(head.database, nullptr, &rows.at(i));
            ++i;
            break;
        }
        default: {
            if (i >= rows.size() || argument > kAllColumns)
                return false;
            Backend& b = rows[i];
            const Backend before = m_backendObserver ? b : Backend();
            if (argument & ApplicationName && !readString(in, &b.applicationName))
                return false;
            if (argument & State && !readString(in, &b.state))
                return false;
            if (argument & XactStart)
                b.xactStartMs = readTime(in, timestampMs);
            if (argument & QueryStart)
                b.queryStartMs = readTime(in, timestampMs);
            if (argument & StateChange)
                b.stateChangeMs = readTime(in, timestampMs);
            if (argument & WaitEventType && !readString(in, &b.waitEventType))
                return false;
            if (argument & WaitEvent && !readString(in, &b.waitEvent))
                return false;
            if (argument & Query && !readString(in, &b.query))
                return false;
            if (argument & Withheld)
                b.withheld = !b.withheld;
            if (m_backendObserver)
                m_backendObserver(head.database, &before, &b);
            ++i;
            break;
        }
        }
    }
    state.database = head.database;
    state.timestampMs = head.timestampMs;
    state.serverTimeMs = head.serverTimeMs;
    state.latencyMs = head.latencyMs;
    state.maxConnections = head.maxConnections;
    state.reservedConnections = head.reservedConnections;
    state.error.clear();
    if (item && item->snapshotBackends) {
        item->snapshot = state;
    } else if (item) {
        item->snapshot = std::move(head); // the head only: the backends stay in the state
    }
    return in.ok();
}

// ---- events ----

void ReplayState::encodeEvent(ByteWriter& out, const Event& event)
{
    writeItemHead(out, ItemKind::Event, event.timestampMs);
    out.u8(static_cast<std::uint8_t>(event.severity));
    writeString(out, event.source);
    writeString(out, event.kind);
    writeString(out, event.message);
}

bool ReplayState::decodeEvent(ByteReader& in, qint64 timestampMs, Item* item)
{
    Event event;
    event.timestampMs = timestampMs;
    const std::uint8_t severity = in.u8();
    if (severity > static_cast<std::uint8_t>(Event::Severity::Critical))
        return false;
    event.severity = static_cast<Event::Severity>(severity);
    if (!readString(in, &event.source) || !readString(in, &event.kind) || !readString(in, &event.message))
        return false;
    if (item)
        item->event = std::move(event);
    return in.ok();
}

// ---- pgbouncer reads ----

void ReplayState::encodePooler(ByteWriter& out, const PoolerSnapshot& snapshot)
{
    writeItemHead(out, ItemKind::Pooler, snapshot.timestampMs);
    const qint64 ref = snapshot.timestampMs;
    writeString(out, snapshot.pooler);
    writeString(out, snapshot.database);
    out.zigzag(snapshot.latencyMs);
    writeString(out, snapshot.error);
    if (!snapshot.ok())
        return; // a gap: the links stay as last read
    out.varint(static_cast<std::uint64_t>(snapshot.pools.size()));
    for (const PoolerPool& p : snapshot.pools) {
        writeString(out, p.database);
        writeString(out, p.user);
        out.zigzag(p.clActive);
        out.zigzag(p.clWaiting);
        out.zigzag(p.svActive);
        out.zigzag(p.svIdle);
        out.zigzag(p.svUsed);
        out.zigzag(p.maxwaitUs);
        writeString(out, p.poolMode);
    }
    const auto known = m_poolers.constFind(snapshot.pooler);
    if (known != m_poolers.constEnd() && known->servers == snapshot.servers && known->clients == snapshot.clients) {
        out.u8(0); // SHOW SERVERS/CLIENTS as in the previous read
    } else {
        out.u8(1);
        out.varint(static_cast<std::uint64_t>(snapshot.servers.size()));
        for (const PoolerServer& s : snapshot.servers) {
            out.zigzag(s.remotePid);
            writeString(out, s.ptr);
            writeString(out, s.link);
            writeString(out, s.database);
            writeString(out, s.user);
            writeString(out, s.state);
            writeTime(out, s.connectTimeMs, ref);
            writeTime(out, s.requestTimeMs, ref);
        }
        out.varint(static_cast<std::uint64_t>(snapshot.clients.size()));
        for (const PoolerClient& c : snapshot.clients) {
            writeString(out, c.addr);
            out.zigzag(c.port);
            writeString(out, c.applicationName);
            writeString(out, c.ptr);
            writeString(out, c.link);
            writeString(out, c.database);
            writeString(out, c.user);
            writeString(out, c.state);
            writeTime(out, c.connectTimeMs, ref);
            writeTime(out, c.requestTimeMs, ref);
        }
    }
    m_poolers.insert(snapshot.pooler, snapshot);
}

bool ReplayState::decodePooler(ByteReader& in, qint64 timestampMs, Item* item)
{
    PoolerSnapshot snapshot;
    snapshot.timestampMs = timestampMs;
    if (!readString(in, &snapshot.pooler) || !readString(in, &snapshot.database))
        return false;
    snapshot.latencyMs = in.zigzag();
    if (!readString(in, &snapshot.error))
        return false;
    if (snapshot.ok()) {
        const std::uint64_t pools = in.varint();
        if (!plausibleCount(in, pools))
            return false;
        for (std::uint64_t k = 0; k < pools; ++k) {
            PoolerPool p;
            if (!readString(in, &p.database) || !readString(in, &p.user))
                return false;
            p.clActive = static_cast<int>(in.zigzag());
            p.clWaiting = static_cast<int>(in.zigzag());
            p.svActive = static_cast<int>(in.zigzag());
            p.svIdle = static_cast<int>(in.zigzag());
            p.svUsed = static_cast<int>(in.zigzag());
            p.maxwaitUs = in.zigzag();
            if (!readString(in, &p.poolMode))
                return false;
            snapshot.pools.append(p);
        }
        const std::uint8_t links = in.u8();
        if (links == 0) {
            const auto known = m_poolers.constFind(snapshot.pooler);
            if (known == m_poolers.constEnd())
                return false;
            snapshot.servers = known->servers;
            snapshot.clients = known->clients;
        } else if (links == 1) {
            const std::uint64_t servers = in.varint();
            if (!plausibleCount(in, servers))
                return false;
            for (std::uint64_t k = 0; k < servers; ++k) {
                PoolerServer s;
                s.remotePid = static_cast<int>(in.zigzag());
                if (!readString(in, &s.ptr) || !readString(in, &s.link) || !readString(in, &s.database)
                    || !readString(in, &s.user) || !readString(in, &s.state))
                    return false;
                s.connectTimeMs = readTime(in, timestampMs);
                s.requestTimeMs = readTime(in, timestampMs);
                snapshot.servers.append(s);
            }
            const std::uint64_t clients = in.varint();
            if (!plausibleCount(in, clients))
                return false;
            for (std::uint64_t k = 0; k < clients; ++k) {
                PoolerClient c;
                if (!readString(in, &c.addr))
                    return false;
                c.port = static_cast<int>(in.zigzag());
                if (!readString(in, &c.applicationName) || !readString(in, &c.ptr) || !readString(in, &c.link)
                    || !readString(in, &c.database) || !readString(in, &c.user) || !readString(in, &c.state))
                    return false;
                c.connectTimeMs = readTime(in, timestampMs);
                c.requestTimeMs = readTime(in, timestampMs);
                snapshot.clients.append(c);
            }
        } else {
            return false;
        }
        if (!in.ok())
            return false;
        m_poolers.insert(snapshot.pooler, snapshot);
    }
    if (item)
        item->pooler = std::move(snapshot);
    return in.ok();
}

// ---- keyframes ----

QByteArray ReplayState::takeKeyframe(qint64 timestampMs)
{
    ReplayState fresh;
    ByteWriter out;
    out.fixed64(static_cast<std::uint64_t>(timestampMs));
    fresh.beginItems(timestampMs);
    QStringList names = m_targets.keys();
    names.sort();
    for (const QString& name : std::as_const(names)) {
        const TargetSlot& slot = m_targets.value(name);
        // The newest successful sample first when the previous one failed: routesAt/holdersAt need it.
        if (slot.hasLastOk && !(slot.hasLast && slot.last.ok()))
            fresh.encodeSample(out, slot.lastOk);
        if (slot.hasLast)
            fresh.encodeSample(out, slot.last);
    }
    names = m_databases.keys();
    names.sort();
    for (const QString& name : std::as_const(names))
        fresh.encodeSnapshot(out, m_databases.value(name));
    names = m_poolers.keys();
    names.sort();
    for (const QString& name : std::as_const(names))
        fresh.encodePooler(out, m_poolers.value(name));
    *this = std::move(fresh);
    return out.take();
}

bool ReplayState::restoreKeyframe(const std::uint8_t* data, std::size_t size, QString* why)
{
    // Into a state of its own: all or nothing, and nobody is told of its backends.
    ReplayState restored;
    ByteReader in(data, size);
    restored.m_baseMs = static_cast<qint64>(in.fixed64());
    ItemKind kind {};
    qint64 ts = 0;
    while (restored.readItemHead(in, &kind, &ts)) {
        if (!restored.decodeItem(in, kind, ts, nullptr)) {
            *why = u"keyframe item cannot be decoded"_s;
            return false;
        }
    }
    if (!in.ok()) {
        *why = u"keyframe cannot be decoded"_s;
        return false;
    }
    BackendObserver observer = std::move(m_backendObserver);
    *this = std::move(restored);
    m_backendObserver = std::move(observer);
    return true;
}

} // namespace poolscope
