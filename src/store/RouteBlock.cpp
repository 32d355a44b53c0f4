#include "RouteBlock.h"

#include "BitCodes.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace poolscope {

using namespace bitcodes;

namespace {

constexpr std::array<std::size_t, kRouteColumns> kStreamOrder { 0, 1, 3, 2, 4 }; // active before released
constexpr std::size_t kReleased = 2;

// A value as a Packed column codes it: an integer difference, or the bits of a double that is not an integer.
struct Symbol
{
    bool raw = false;
    std::uint64_t v = 0;
};

double valueOf(const RouteRow& row, std::uint64_t firstTick, std::size_t column)
{
    if (column == 0)
        return static_cast<double>(static_cast<std::int64_t>(row.tick - firstTick));
    return row.counters[column - 1];
}

void setValue(RouteRow& row, std::uint64_t firstTick, std::size_t column, double value)
{
    if (column == 0)
        row.tick = firstTick + static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
    else
        row.counters[column - 1] = value;
}

// What `released` is predicted by: acquired - active when both are integers, else 0.
std::uint64_t referenceOf(const RouteRow& row)
{
    std::int64_t acquired = 0, active = 0;
    if (asInteger(row.counters[0], &acquired) && asInteger(row.counters[2], &active))
        return static_cast<std::uint64_t>(acquired) - static_cast<std::uint64_t>(active);
    return 0;
}

Symbol toSymbol(double value, const RouteRow& row, const ColumnCode& code, PackedState& state)
{
    std::int64_t i = 0;
    if (!asInteger(value, &i))
        return Symbol { true, std::bit_cast<std::uint64_t>(value) };
    const std::uint64_t u = static_cast<std::uint64_t>(i) - (code.residual ? referenceOf(row) : 0);
    const std::uint64_t delta = u - state.prev;
    const std::uint64_t x = code.order == 0 ? u : (code.order == 1 ? delta : delta - state.prevDelta);
    state.prevDelta = delta, state.prev = u;
    return Symbol { false, x };
}

double fromSymbol(Symbol symbol, const RouteRow& row, const ColumnCode& code, PackedState& state)
{
    if (symbol.raw)
        return std::bit_cast<double>(symbol.v);
    const std::uint64_t x = symbol.v;
    const std::uint64_t u = code.order == 0 ? x : (code.order == 1 ? state.prev + x : state.prev + state.prevDelta + x);
    state.prevDelta = u - state.prev, state.prev = u;
    return static_cast<double>(static_cast<std::int64_t>(u + (code.residual ? referenceOf(row) : 0)));
}

bool fits(Symbol symbol, const ColumnCode& code)
{
    return !symbol.raw && (code.width >= 64 || symbol.v - code.base < (std::uint64_t(1) << code.width));
}

int indexBits(std::size_t count)
{
    return bitWidth(count > 1 ? count - 1 : 0);
}

void writeException(BitWriter& w, Symbol symbol)
{
    if (symbol.raw)
        writeRaw(w, symbol.v);
    else
        writeZ(w, zigzag(symbol.v));
}

// The frame (base, width) that packs `symbols` in the fewest bits; returns the bits.
std::size_t choosePacked(std::span<const Symbol> symbols, ColumnCode& code)
{
    const std::size_t n = symbols.size();
    const auto idx = static_cast<std::size_t>(indexBits(n));
    struct Entry
    {
        std::int64_t x;
        std::size_t cost; // as an exception
    };
    std::vector<Entry> ints;
    ints.reserve(n);
    std::size_t rawCost = 0, intCost = 0;
    for (const Symbol s : symbols) {
        if (s.raw) {
            rawCost += idx + kRawLength;
        } else {
            ints.push_back(
                Entry { static_cast<std::int64_t>(s.v), idx + static_cast<std::size_t>(lengthZ(zigzag(s.v))) });
            intCost += ints.back().cost;
        }
    }
    std::sort(ints.begin(), ints.end(), [](const Entry& a, const Entry& b) { return a.x < b.x; });
    std::vector<std::size_t> prefix(ints.size() + 1, 0);
    for (std::size_t i = 0; i < ints.size(); ++i)
        prefix[i + 1] = prefix[i] + ints[i].cost;
    auto header = [&](std::uint64_t base, std::size_t exceptions) {
        return std::size_t(2 + 2 + 1 + 6) + static_cast<std::size_t>(lengthZ(zigzag(base)) + lengthZ(exceptions));
    };
    // Width 0 with no frame: everything an exception.
    std::size_t best = header(0, n) + intCost + rawCost;
    code.base = 0, code.width = 0;
    for (int w = 0; w < 64 && !ints.empty(); ++w) {
        const std::uint64_t span = std::uint64_t(1) << w;
        std::size_t bestCovered = 0, bestFrom = 0, bestCount = 0;
        std::size_t j = 0;
        for (std::size_t i = 0; i < ints.size(); ++i) {
            j = std::max(j, i);
            while (
                j < ints.size() && static_cast<std::uint64_t>(ints[j].x) - static_cast<std::uint64_t>(ints[i].x) < span)
                ++j;
            if (prefix[j] - prefix[i] > bestCovered)
                bestCovered = prefix[j] - prefix[i], bestFrom = i, bestCount = j - i;
        }
        const auto base = static_cast<std::uint64_t>(ints[bestFrom].x);
        const std::size_t cost
            = header(base, n - bestCount) + n * static_cast<std::size_t>(w) + intCost - bestCovered + rawCost;
        if (cost < best)
            best = cost, code.base = base, code.width = static_cast<std::uint8_t>(w);
        if (bestCount == ints.size())
            break; // wider frames only cost more
    }
    return best;
}

void writePacked(BitWriter& w, std::span<const Symbol> symbols, const ColumnCode& code)
{
    w.write(code.order, 2), w.write(code.residual ? 1 : 0, 1), w.write(code.width, 6);
    writeZ(w, zigzag(code.base));
    std::size_t exceptions = 0;
    for (const Symbol s : symbols)
        exceptions += fits(s, code) ? 0 : 1;
    writeZ(w, exceptions);
    for (const Symbol s : symbols)
        w.write(fits(s, code) ? s.v - code.base : 0, code.width);
    const int idx = indexBits(symbols.size());
    for (std::size_t i = 0; i < symbols.size(); ++i) {
        if (!fits(symbols[i], code)) {
            w.write(i, idx);
            writeException(w, symbols[i]);
        }
    }
}

void readSymbol(BitReader& r, Symbol& s)
{
    std::uint64_t v = 0;
    const bool isInt = readZ(r, &v);
    s = isInt ? Symbol { false, unzigzag(v) } : Symbol { true, v };
}

std::vector<Symbol> symbolsOf(
    std::span<const RouteRow> rows, std::uint64_t firstTick, std::size_t column, const ColumnCode& code)
{
    std::vector<Symbol> symbols;
    symbols.reserve(rows.size());
    PackedState state;
    for (const RouteRow& row : rows)
        symbols.push_back(toSymbol(valueOf(row, firstTick, column), row, code, state));
    return symbols;
}

} // namespace

RouteBlock RouteBlock::encode(std::span<const RouteRow> rows, std::uint32_t firstPoint, RouteCodes* chosen)
{
    RouteBlock block;
    block.m_count = static_cast<std::uint16_t>(rows.size());
    block.m_firstPoint = firstPoint;
    if (rows.empty())
        return block;
    block.m_firstTick = rows.front().tick;
    BitWriter w;
    std::vector<double> values;
    for (const std::size_t column : kStreamOrder) {
        values.clear();
        bool same = true, integers = true;
        for (const RouteRow& row : rows) {
            values.push_back(valueOf(row, block.m_firstTick, column));
            std::int64_t i = 0;
            integers = integers && asInteger(values.back(), &i);
            same = same && std::bit_cast<std::uint64_t>(values.back()) == std::bit_cast<std::uint64_t>(values.front());
        }
        ColumnCode best;
        std::size_t bestBits = std::numeric_limits<std::size_t>::max();
        std::vector<Symbol> bestSymbols;
        if (same) {
            best.kind = ColumnCode::Kind::Same;
            best.base = std::bit_cast<std::uint64_t>(values.front());
            bestBits = 2 + 64;
        }
        for (const bool residual : { false, true }) {
            if (residual && column != kReleased)
                continue;
            for (std::uint8_t order = 0; order <= 2; ++order) {
                ColumnCode code;
                code.order = order, code.residual = residual;
                auto symbols = symbolsOf(rows, block.m_firstTick, column, code);
                const std::size_t bits = 2 + choosePacked(symbols, code);
                if (bits < bestBits)
                    bestBits = bits, best = code, bestSymbols = std::move(symbols);
            }
        }
        if (!integers) {
            BitWriter xored;
            writeXor(xored, values);
            if (2 + xored.bitCount() < bestBits) {
                best = ColumnCode {};
                best.kind = ColumnCode::Kind::Xor;
                bestBits = 2 + xored.bitCount();
            }
        }
        w.write(static_cast<std::uint64_t>(best.kind), 2);
        switch (best.kind) {
        case ColumnCode::Kind::Same:
            w.write(best.base, 64);
            break;
        case ColumnCode::Kind::Xor:
            writeXor(w, values);
            break;
        case ColumnCode::Kind::Packed:
            writePacked(w, bestSymbols, best);
            break;
        }
        if (chosen)
            (*chosen)[column] = best;
    }
    block.m_bits = w.take();
    return block;
}

void RouteBlock::decode(std::vector<RouteRow>& out) const
{
    out.assign(m_count, RouteRow {});
    if (m_count == 0)
        return;
    BitReader r(m_bits);
    std::vector<double> values;
    std::vector<Symbol> symbols(m_count);
    for (const std::size_t column : kStreamOrder) {
        ColumnCode code;
        code.kind = static_cast<ColumnCode::Kind>(r.read(2));
        if (code.kind == ColumnCode::Kind::Same) {
            const double value = std::bit_cast<double>(r.read(64));
            for (RouteRow& row : out)
                setValue(row, m_firstTick, column, value);
            continue;
        }
        if (code.kind == ColumnCode::Kind::Xor) {
            values.clear();
            readXor(r, m_count, values);
            for (std::size_t i = 0; i < m_count; ++i)
                setValue(out[i], m_firstTick, column, values[i]);
            continue;
        }
        code.order = static_cast<std::uint8_t>(r.read(2));
        code.residual = r.bit();
        code.width = static_cast<std::uint8_t>(r.read(6));
        std::uint64_t z = 0;
        readZ(r, &z);
        code.base = unzigzag(z);
        std::uint64_t exceptions = 0;
        readZ(r, &exceptions);
        for (Symbol& s : symbols)
            s = Symbol { false, code.base + r.read(code.width) };
        const int idx = indexBits(m_count);
        for (std::uint64_t e = 0; e < exceptions; ++e) {
            const auto i = static_cast<std::size_t>(r.read(idx));
            if (i < m_count)
                readSymbol(r, symbols[i]);
        }
        PackedState state;
        for (std::size_t i = 0; i < m_count; ++i)
            setValue(out[i], m_firstTick, column, fromSymbol(symbols[i], out[i], code, state));
    }
}

void OpenRouteBlock::start(
    const RouteCodes& codes, std::uint64_t firstTick, std::uint32_t firstPoint, std::size_t reserveBytes)
{
    m_bits = BitWriter();
    m_bits.reserve(reserveBytes);
    m_codes = codes;
    for (ColumnCode& code : m_codes) {
        if (code.kind == ColumnCode::Kind::Xor)
            code = ColumnCode {}; // written whole as they come
    }
    m_state = {};
    m_firstTick = firstTick;
    m_firstPoint = firstPoint;
    m_count = 0;
    m_escaped = 0;
}

void OpenRouteBlock::append(const RouteRow& row)
{
    // A row is a flag (0: every column fits its code), the mask of the columns that do not, then each column's slot
    // or, for those, the whole value.
    std::array<Symbol, kRouteColumns> symbols {};
    std::array<bool, kRouteColumns> fit {};
    std::uint64_t mask = 0;
    for (const std::size_t column : kStreamOrder) {
        const ColumnCode& code = m_codes[column];
        const double value = valueOf(row, m_firstTick, column);
        if (code.kind == ColumnCode::Kind::Same) {
            symbols[column] = Symbol { true, std::bit_cast<std::uint64_t>(value) };
            fit[column] = symbols[column].v == code.base;
        } else {
            symbols[column] = toSymbol(value, row, code, m_state[column]);
            fit[column] = fits(symbols[column], code);
        }
        mask = (mask << 1) | (fit[column] ? 0U : 1U);
    }
    m_bits.write(mask != 0 ? 1 : 0, 1);
    if (mask != 0) {
        m_bits.write(mask, kRouteColumns);
        ++m_escaped;
    }
    for (const std::size_t column : kStreamOrder) {
        const ColumnCode& code = m_codes[column];
        if (!fit[column])
            writeException(m_bits, symbols[column]);
        else if (code.kind == ColumnCode::Kind::Packed)
            m_bits.write(symbols[column].v - code.base, code.width);
    }
    ++m_count;
}

void OpenRouteBlock::decode(std::vector<RouteRow>& out) const
{
    out.assign(m_count, RouteRow {});
    BitReader r(m_bits.bytes());
    std::array<PackedState, kRouteColumns> state {};
    for (RouteRow& row : out) {
        std::uint64_t mask = r.bit() ? r.read(kRouteColumns) : 0;
        for (std::size_t k = 0; k < kRouteColumns; ++k) {
            const std::size_t column = kStreamOrder[k];
            const ColumnCode& code = m_codes[column];
            const bool escaped = (mask >> (kRouteColumns - 1 - k)) & 1U;
            Symbol s;
            if (escaped)
                readSymbol(r, s);
            else if (code.kind == ColumnCode::Kind::Same)
                s = Symbol { true, code.base };
            else
                s = Symbol { false, code.base + r.read(code.width) };
            double value = 0;
            if (code.kind == ColumnCode::Kind::Same)
                value = s.raw ? std::bit_cast<double>(s.v) : static_cast<double>(static_cast<std::int64_t>(s.v));
            else
                value = fromSymbol(s, row, code, state[column]);
            setValue(row, m_firstTick, column, value);
        }
    }
}

} // namespace poolscope
