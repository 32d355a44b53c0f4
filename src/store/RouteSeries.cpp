#include "RouteSeries.h"

#include <algorithm>
#include <bit>

namespace poolscope {

namespace {
bool sameCounters(const std::array<double, 4>& a, const std::array<double, 4>& b)
{
    auto same = [](double x, double y) { return (!isPresent(x) && !isPresent(y)) || x == y; };
    return same(a[0], b[0]) && same(a[1], b[1]) && same(a[2], b[2]) && same(a[3], b[3]);
}
} // namespace

std::size_t TickTimes::rowAfter(qint64 tMs, bool orAt) const
{
    auto before = [tMs, orAt](qint64 t) { return orAt ? t < tMs : t <= tMs; };
    std::size_t lo = 0, hi = times.sealedCount();
    while (lo < hi) { // the first sealed block that starts after tMs
        const std::size_t mid = (lo + hi) / 2;
        if (before(times.sealed(mid).firstInt()))
            lo = mid + 1;
        else
            hi = mid;
    }
    const ColumnView<qint64> view(times);
    const auto from = static_cast<std::ptrdiff_t>(lo == 0 ? 0 : times.blockStart(lo - 1));
    const auto to = static_cast<std::ptrdiff_t>(lo < times.sealedCount() ? times.blockStart(lo) : view.size());
    const auto it = std::partition_point(view.begin() + from, view.begin() + to, before);
    return static_cast<std::size_t>(it - view.begin());
}

void RouteSeries::append(std::uint64_t tick, const RouteStats& stats)
{
    const RouteRow row { tick, { stats.acquired, stats.released, stats.active, stats.leaks } };
    const bool same = m_size > 0 && sameCounters(m_last.counters, row.counters);
    if (m_size >= 2 && m_lastRepeats && same) {
        m_last.tick = tick; // extend the run
        return;
    }
    m_lastRepeats = same;
    if (m_size > 0)
        pushOpen(m_last);
    m_last = row;
    ++m_size;
}

void RouteSeries::pushOpen(const RouteRow& row)
{
    const auto point = static_cast<std::uint32_t>(m_dropped + m_size - 1);
    if (m_open.count() >= kBlockRows || m_open.escapedRows() >= kMaxEscapedRows) {
        RouteCodes codes;
        seal(&codes);
        const RouteBlock& sealed = m_sealed.back();
        const std::size_t expected = sealed.bits().size() * kBlockRows / std::max<std::size_t>(sealed.count(), 1);
        m_open.start(codes, row.tick, point, std::min<std::size_t>(expected + kBlockRows / 8 + 8, 1 << 16));
    } else if (m_open.count() == 0) {
        m_open.start(m_open.codes(), row.tick, point, 0);
    }
    m_open.append(row);
}

void RouteSeries::seal(RouteCodes* codes)
{
    std::vector<RouteRow> rows;
    m_open.decode(rows);
    // Grow the block list by an eighth, not double it: a route lives for hours, its spare headers cost.
    if (m_sealed.size() == m_sealed.capacity())
        m_sealed.reserve(m_sealed.size() + m_sealed.size() / 8 + 2);
    m_sealed.push_back(RouteBlock::encode(rows, m_open.firstPoint(), codes));
}

void RouteSeries::rows(std::size_t from, std::size_t to, std::vector<RouteRow>& out) const
{
    out.clear();
    to = std::min(to, m_size);
    if (from >= to)
        return;
    std::vector<RouteRow> block;
    auto take = [&](std::size_t start) {
        const std::size_t begin = std::max(from, start);
        const std::size_t end = std::min(to, start + block.size());
        for (std::size_t i = begin; i < end; ++i)
            out.push_back(block[i - start]);
    };
    // The first sealed block ending after `from`.
    auto it = std::upper_bound(m_sealed.begin(), m_sealed.end(), from,
        [this](std::size_t index, const RouteBlock& b) { return index < b.firstPoint() - m_dropped + b.count(); });
    for (; it != m_sealed.end() && it->firstPoint() - m_dropped < to; ++it) {
        it->decode(block);
        take(it->firstPoint() - m_dropped);
    }
    const std::size_t openStart = m_size - 1 - m_open.count();
    if (m_open.count() > 0 && openStart < to && openStart + m_open.count() > from) {
        m_open.decode(block);
        take(openStart);
    }
    if (to == m_size)
        out.push_back(m_last);
}

std::size_t RouteSeries::firstAtOrAfter(std::uint64_t tick) const
{
    if (m_size == 0 || m_last.tick < tick)
        return m_size;
    std::vector<RouteRow> block;
    auto firstIn = [&](std::size_t start) {
        const auto it = std::find_if(block.begin(), block.end(), [tick](const RouteRow& r) { return r.tick >= tick; });
        return start + static_cast<std::size_t>(it - block.begin()); // past the block: the next one's first point
    };
    const std::size_t openStart = m_size - 1 - m_open.count();
    if (m_open.count() > 0 && m_open.firstTick() < tick) {
        m_open.decode(block);
        return firstIn(openStart);
    }
    // The last sealed block starting before `tick`.
    const auto after = std::partition_point(
        m_sealed.begin(), m_sealed.end(), [tick](const RouteBlock& b) { return b.firstTick() < tick; });
    if (after == m_sealed.begin())
        return 0;
    const RouteBlock& b = *(after - 1);
    b.decode(block);
    return firstIn(b.firstPoint() - m_dropped);
}

std::uint64_t RouteSeries::tickOf(std::size_t index) const
{
    std::vector<RouteRow> one;
    rows(index, index + 1, one);
    return one.front().tick;
}

RoutePoint RouteSeries::pointOf(const RouteRow& row, std::size_t index, const ColumnView<qint64>& times) const
{
    RoutePoint p;
    p.tMs = (index == 0 && m_hasHead) || row.tick < m_ticks->first ? m_headMs : times[row.tick - m_ticks->first];
    p.stats = RouteStats { name, row.counters[0], row.counters[1], row.counters[2], row.counters[3] };
    return p;
}

RoutePoint RouteSeries::point(std::size_t index) const
{
    std::vector<RouteRow> one;
    rows(index, index + 1, one);
    return pointOf(one.front(), index, ColumnView<qint64>(m_ticks->times));
}

std::vector<RoutePoint> RouteSeries::points(qint64 fromMs, qint64 toMs) const
{
    std::vector<RoutePoint> out;
    if (m_size == 0 || fromMs > toMs)
        return out;
    const ColumnView<qint64> times(m_ticks->times);
    std::size_t begin = firstAtOrAfter(m_ticks->first + m_ticks->rowAfter(fromMs, true));
    const std::size_t end = firstAtOrAfter(m_ticks->first + m_ticks->rowAfter(toMs));
    if (m_hasHead && fromMs <= m_headMs && m_headMs <= toMs)
        begin = 0; // the point kept from before the target's first poll
    std::vector<RouteRow> rows;
    this->rows(begin, end, rows);
    out.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        out.push_back(pointOf(rows[i], begin + i, times));
    return out;
}

std::optional<RoutePoint> RouteSeries::pointAtOrBefore(qint64 tMs) const
{
    const std::size_t after = firstAtOrAfter(m_ticks->first + m_ticks->rowAfter(tMs));
    if (after == 0 || (after == 1 && m_hasHead && m_headMs > tMs))
        return std::nullopt;
    return point(after - 1);
}

void RouteSeries::dropBefore(qint64 cutoffMs)
{
    if (m_size == 0 || (m_hasHead && m_headMs >= cutoffMs))
        return;
    const ColumnView<qint64> times(m_ticks->times);
    const std::uint64_t cutTick = m_ticks->first + m_ticks->rowAfter(cutoffMs, true);
    const std::size_t firstKept = firstAtOrAfter(cutTick);
    const std::size_t drop = firstKept >= 2 ? firstKept - 1 : 0;
    if (drop == 0 && m_hasHead)
        return;
    // The new first point, if its poll goes with the cutoff, keeps its time (read before the poll goes).
    const std::uint64_t tick = tickOf(drop);
    m_hasHead = tick < cutTick;
    if (m_hasHead)
        m_headMs = times[tick - m_ticks->first];
    if (drop == 0)
        return;

    const std::size_t openStart = m_size - 1 - m_open.count();
    if (drop < openStart) {
        // Sealed blocks wholly before the cut go; one cut in two is re-coded (a new block, still immutable).
        const auto firstLeft = std::upper_bound(m_sealed.begin(), m_sealed.end(), drop,
            [this](std::size_t index, const RouteBlock& b) { return index < b.firstPoint() - m_dropped + b.count(); });
        m_sealed.erase(m_sealed.begin(), firstLeft);
        RouteBlock& front = m_sealed.front();
        const std::size_t cut = drop - (front.firstPoint() - m_dropped);
        if (cut > 0) {
            std::vector<RouteRow> block;
            front.decode(block);
            front = RouteBlock::encode(
                std::span<const RouteRow>(block).subspan(cut), static_cast<std::uint32_t>(m_dropped + drop));
        }
    } else {
        m_sealed.clear();
        std::vector<RouteRow> block;
        m_open.decode(block);
        const std::size_t cut = drop - openStart;
        const RouteCodes codes = m_open.codes();
        m_open.start(codes, cut < block.size() ? block[cut].tick : 0, static_cast<std::uint32_t>(m_dropped + drop), 0);
        for (std::size_t i = cut; i < block.size(); ++i)
            m_open.append(block[i]);
    }
    m_sealed.shrink_to_fit();
    m_dropped += static_cast<std::uint32_t>(drop);
    m_size -= drop;
}

std::size_t RouteSeries::memoryBytes() const
{
    std::size_t bytes = m_sealed.capacity() * sizeof(RouteBlock) + m_open.heapBytes()
        + static_cast<std::size_t>(name.capacity()) * sizeof(QChar);
    for (const RouteBlock& block : m_sealed)
        bytes += block.heapBytes();
    return bytes;
}

} // namespace poolscope
