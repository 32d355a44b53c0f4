#pragma once

#include "BitWriter.h"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace poolscope {

// One point of a route as its blocks hold it: the tick (the number of the target's poll it was read at, see
// TickTimes: the time is stored once per target, not once per route) and the counters.
struct RouteRow
{
    std::uint64_t tick = 0;
    std::array<double, 4> counters {}; // acquired, released, active, leaks
};

// How a block codes one of its five columns (the tick and the four counters). Chosen per column when a block
// seals, as the smallest of:
//   - Packed: the integers (exact doubles up to 2^53), or their deltas, or their deltas of deltas (`order`), minus
//     `base`, in `width` bits each ("frame of reference"); a value outside the frame, or a double that is not an
//     integer (NaN = absent, 0.5, -0.0, beyond 2^53), is an exception listed after the frame. `released` may be
//     coded as its difference to acquired - active (`residual`), which is 0 for a route whose counters add up, and
//     a column that does not move packs in 0 bits a value. A route read once a second (acquired +1..4, active 0..1)
//     costs 3 bits a point.
//   - Same: every value has the same bits (a counter that never moves, a field the service does not report).
//   - Xor: Gorilla's XOR of the doubles' bits, for counters that are not integers.
struct ColumnCode
{
    enum class Kind : std::uint8_t { Packed, Same, Xor };
    Kind kind = Kind::Packed;
    std::uint8_t order = 1;
    bool residual = false;
    std::uint8_t width = 0;
    std::uint64_t base = 0; // Same: the value's bits
};
inline constexpr std::size_t kRouteColumns = 5; // tick, acquired, released, active, leaks
using RouteCodes = std::array<ColumnCode, kRouteColumns>;

// The running state of a Packed column's deltas (encoder and decoder keep the same).
struct PackedState
{
    std::uint64_t prev = 0;
    std::uint64_t prevDelta = 0;
};

// A sealed, immutable block of a route's points (RouteSeries): each column coded by its ColumnCode, the codes
// written at the head of each column, so that a block decodes on its own.
class RouteBlock
{
public:
    // The codes chosen for the rows are stored in `chosen` when given (the next open block codes with them).
    static RouteBlock encode(std::span<const RouteRow> rows, std::uint32_t firstPoint, RouteCodes* chosen = nullptr);
    // Replaces `out` with the block's rows.
    void decode(std::vector<RouteRow>& out) const;

    std::size_t count() const { return m_count; }
    std::uint64_t firstTick() const { return m_firstTick; }
    // The route's point number (counted from its first point ever) of the first row.
    std::uint32_t firstPoint() const { return m_firstPoint; }
    std::span<const std::uint8_t> bits() const { return m_bits; }
    std::size_t heapBytes() const { return m_bits.capacity(); }

private:
    std::vector<std::uint8_t> m_bits;
    std::uint64_t m_firstTick = 0;
    std::uint32_t m_firstPoint = 0;
    std::uint16_t m_count = 0;
};

// The block a route appends to: rows are coded as they come, with the codes the previous block chose (a value
// that does not fit is written whole behind a flag, so nothing but the bits grows), and the block is re-coded
// with the best codes for its own rows when it seals.
class OpenRouteBlock
{
public:
    static constexpr RouteCodes defaultCodes()
    {
        RouteCodes codes {};
        codes[0].base = 1; // a point at every poll
        return codes;
    }

    void start(const RouteCodes& codes, std::uint64_t firstTick, std::uint32_t firstPoint, std::size_t reserveBytes);
    void append(const RouteRow& row);
    // Replaces `out` with the block's rows.
    void decode(std::vector<RouteRow>& out) const;

    std::size_t count() const { return m_count; }
    // Rows that held a value their codes did not fit (written whole).
    std::size_t escapedRows() const { return m_escaped; }
    std::uint64_t firstTick() const { return m_firstTick; }
    std::uint32_t firstPoint() const { return m_firstPoint; }
    std::size_t heapBytes() const { return m_bits.capacity(); }
    const RouteCodes& codes() const { return m_codes; }

private:
    BitWriter m_bits;
    RouteCodes m_codes = defaultCodes();
    std::array<PackedState, kRouteColumns> m_state {};
    std::uint64_t m_firstTick = 0;
    std::uint32_t m_firstPoint = 0;
    std::uint16_t m_count = 0;
    std::uint16_t m_escaped = 0;
};

} // namespace poolscope
