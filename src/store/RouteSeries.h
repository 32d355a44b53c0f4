#pragma once

#include "BlockedColumn.h"
#include "ColumnView.h"
#include "RouteBlock.h"
#include "types/Sample.h"

#include <limits>
#include <optional>
#include <vector>

namespace poolscope {

// The times of a target's polls, which its routes share: a route's point names its poll by tick (the poll's
// number since the target's first, which dropping old rows does not renumber) instead of storing the time again.
struct TickTimes
{
    BlockedColumn<qint64> times; // of ticks first, first + 1, ...
    std::uint64_t first = 0;

    // The first row whose time is after tMs (or at it, with `orAt`): std::upper_bound (std::lower_bound) that
    // finds the block by the sealed blocks' headers and decodes that one only.
    std::size_t rowAfter(qint64 tMs, bool orAt = false) const;
};

// The counters of one route over time (acquired, released, active, leaks), at its target's polls (TickTimes).
// Only changes are stored: a run of polls with the same counters keeps its first and its last point (the last
// one's poll moves along), so rates over any range stay exact and an idle route costs nothing per poll. Points are
// kept in blocks of up to kBlockRows (RouteBlock: about 3 bits a point for a busy route), the newest one open and
// coded as points come, the older ones sealed and immutable. Made and appended to by its TargetHistory only.
class RouteSeries
{
public:
    static constexpr std::size_t kBlockRows = 1024;
    // An open block whose codes stopped fitting (more rows than this escaped) seals early: the next one codes with
    // what this one's rows call for (a route's first block, a route whose traffic changed).
    static constexpr std::size_t kMaxEscapedRows = 64;

    QString name;

    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    // One point (decodes its block: for a scan, use points()).
    RoutePoint point(std::size_t index) const;
    // The points with fromMs <= tMs <= toMs, in time order.
    std::vector<RoutePoint> points(
        qint64 fromMs = std::numeric_limits<qint64>::min(), qint64 toMs = std::numeric_limits<qint64>::max()) const;
    // The last point at or before tMs, if any.
    std::optional<RoutePoint> pointAtOrBefore(qint64 tMs) const;

    std::size_t memoryBytes() const;
    // The sealed blocks (their bits never change once sealed).
    const std::vector<RouteBlock>& sealedBlocks() const { return m_sealed; }

private:
    friend class TargetHistory;
    RouteSeries(QString routeName, const TickTimes* ticks)
        : name(std::move(routeName))
        , m_ticks(ticks)
    { }

    // The counters read at poll `tick` (the newest poll of the target).
    void append(std::uint64_t tick, const RouteStats& stats);
    // Forgets the points before cutoffMs but the last of them (so that a rate from the cutoff on stays exact).
    // Called before the target forgets its polls before cutoffMs: a point kept on such a poll keeps its time here.
    void dropBefore(qint64 cutoffMs);

    // The rows of the points [from, to) (sealed, open and the newest, as they lie).
    void rows(std::size_t from, std::size_t to, std::vector<RouteRow>& out) const;
    // Index of the first point whose tick is >= tick.
    std::size_t firstAtOrAfter(std::uint64_t tick) const;
    std::uint64_t tickOf(std::size_t index) const;
    RoutePoint pointOf(const RouteRow& row, std::size_t index, const ColumnView<qint64>& times) const;
    void pushOpen(const RouteRow& row);
    void seal(RouteCodes* codes);

    std::vector<RouteBlock> m_sealed;
    OpenRouteBlock m_open;
    RouteRow m_last; // the newest point, not coded yet (a run being extended moves its tick)
    const TickTimes* m_ticks = nullptr;
    std::size_t m_size = 0;
    std::uint32_t m_dropped = 0; // points forgotten by dropBefore (blocks number their points from the first ever)
    qint64 m_headMs = 0; // the time of point 0 when its poll is older than the target's first kept one
    bool m_hasHead = false;
    bool m_lastRepeats = false; // the last two points hold the same counters (a run being extended)
};

} // namespace poolscope
