#include "GorillaBlock.h"

#include "BitReader.h"
#include "BitWriter.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace poolscope {

namespace {

std::uint64_t zigzag(std::uint64_t v)
{
    return (v << 1) ^ static_cast<std::uint64_t>(static_cast<std::int64_t>(v) >> 63);
}
std::uint64_t unzigzag(std::uint64_t z)
{
    return (z >> 1) ^ (~(z & 1U) + 1U);
}

// The prefix code of a zigzagged difference z (0 is "no change", 1 and 2 are -1 and +1, ...):
//   0 (z = 0) | 10 + 2 bits (z = 1..4) | 110 + 4 bits (z = 5..20) | 1110 + 8 bits (z = 21..275; 255: z = 0 after a
//   raw value) | 11110 + 32 bits | 111110 + 64 bits, and 111111 + 64 bits for a raw double.
// The short buckets fit the jitter of counters read once a second.
void writeZ(BitWriter& w, std::uint64_t z)
{
    if (z == 0) {
        w.write(0, 1);
    } else if (z <= 4) {
        w.write(0b10, 2), w.write(z - 1, 2);
    } else if (z <= 20) {
        w.write(0b110, 3), w.write(z - 5, 4);
    } else if (z <= 275) {
        w.write(0b1110, 4), w.write(z - 21, 8);
    } else if (z < (std::uint64_t(1) << 32)) {
        w.write(0b11110, 5), w.write(z, 32);
    } else {
        w.write(0b111110, 6), w.write(z, 64);
    }
}
// A code that does not start with 0 (after a raw value, "0" means "the same raw value again").
void writeNonRepeatZ(BitWriter& w, std::uint64_t z)
{
    if (z == 0)
        w.write(0b1110, 4), w.write(255, 8);
    else
        writeZ(w, z);
}
void writeRaw(BitWriter& w, std::uint64_t bits)
{
    w.write(0b111111, 6), w.write(bits, 64);
}

// Reads the rest of a code whose leading 1 was read: returns true and the difference, or false and raw bits.
bool readNonZero(BitReader& r, std::uint64_t* out)
{
    if (!r.bit())
        return *out = r.read(2) + 1, true;
    if (!r.bit())
        return *out = r.read(4) + 5, true;
    if (!r.bit()) {
        const std::uint64_t v = r.read(8);
        return *out = v == 255 ? 0 : v + 21, true;
    }
    if (!r.bit())
        return *out = r.read(32), true;
    const bool raw = r.bit();
    *out = r.read(64);
    return !raw;
}

bool readZ(BitReader& r, std::uint64_t* out)
{
    if (!r.bit())
        return *out = 0, true;
    return readNonZero(r, out);
}

std::uint64_t bitsOf(double v)
{
    return std::bit_cast<std::uint64_t>(v);
}
double fromBits(std::uint64_t b)
{
    return std::bit_cast<double>(b);
}

// An exact integer a double can hold, other than -0.0.
bool asInteger(double v, std::int64_t* out)
{
    constexpr double kLimit = 9007199254740992.0; // 2^53
    if (!(std::fabs(v) <= kLimit) || v != std::trunc(v) || (v == 0 && std::signbit(v)))
        return false;
    *out = static_cast<std::int64_t>(v);
    return true;
}

// Integers by differences of the given order (1: deltas, 2: deltas of deltas); doubles that are not integers raw.
class IntEncoder
{
public:
    explicit IntEncoder(int order)
        : m_order(order)
    { }
    void add(std::uint64_t v)
    {
        const std::uint64_t delta = v - m_prev;
        const std::uint64_t z = zigzag(m_order == 1 ? delta : delta - m_prevDelta);
        if (m_lastRaw)
            writeNonRepeatZ(m_w, z);
        else
            writeZ(m_w, z);
        m_prev = v, m_prevDelta = delta, m_lastRaw = false;
    }
    void addDouble(double v)
    {
        std::int64_t i = 0;
        if (asInteger(v, &i)) {
            add(static_cast<std::uint64_t>(i));
            return;
        }
        const std::uint64_t bits = bitsOf(v);
        if (m_lastRaw && bits == m_raw) {
            m_w.write(0, 1);
            return;
        }
        writeRaw(m_w, bits);
        m_raw = bits, m_lastRaw = true;
    }
    BitWriter& writer() { return m_w; }

private:
    BitWriter m_w;
    int m_order;
    std::uint64_t m_prev = 0;
    std::uint64_t m_prevDelta = 0;
    std::uint64_t m_raw = 0;
    bool m_lastRaw = false;
};

class IntDecoder
{
public:
    IntDecoder(std::span<const std::uint8_t> bytes, int order)
        : m_r(bytes)
        , m_order(order)
    { }
    // Returns true and an integer, or false and a raw double's bits.
    bool next(std::uint64_t* out)
    {
        if (m_lastRaw) {
            if (!m_r.bit())
                return *out = m_raw, false;
        }
        // After a raw value the leading bit was read above (a 1: not a repeat).
        std::uint64_t z = 0;
        const bool isInt = m_lastRaw ? readNonZero(m_r, &z) : readZ(m_r, &z);
        if (!isInt) {
            m_raw = z, m_lastRaw = true;
            return *out = z, false;
        }
        const std::uint64_t d = unzigzag(z);
        const std::uint64_t delta = m_order == 1 ? d : d + m_prevDelta;
        m_prev += delta, m_prevDelta = delta, m_lastRaw = false;
        return *out = m_prev, true;
    }

private:
    BitReader m_r;
    int m_order;
    std::uint64_t m_prev = 0;
    std::uint64_t m_prevDelta = 0;
    std::uint64_t m_raw = 0;
    bool m_lastRaw = false;
};

std::vector<std::uint8_t> encodeXor(std::span<const double> values)
{
    BitWriter w;
    std::uint64_t prev = 0;
    int prevLead = -1, prevTrail = 0;
    bool first = true;
    for (const double value : values) {
        const std::uint64_t bits = bitsOf(value);
        if (first) {
            w.write(bits, 64);
            prev = bits, first = false;
            continue;
        }
        const std::uint64_t x = bits ^ prev;
        prev = bits;
        if (x == 0) {
            w.write(0, 1);
            continue;
        }
        const int lead = std::min(std::countl_zero(x), 31);
        const int trail = std::countr_zero(x);
        if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) {
            w.write(0b10, 2);
            w.write(x >> prevTrail, 64 - prevLead - prevTrail);
        } else {
            const int len = 64 - lead - trail;
            w.write(0b11, 2), w.write(static_cast<std::uint64_t>(lead), 5);
            w.write(static_cast<std::uint64_t>(len - 1), 6), w.write(x >> trail, len);
            prevLead = lead, prevTrail = trail;
        }
    }
    return w.take();
}

void decodeXor(std::span<const std::uint8_t> bytes, std::size_t count, std::vector<double>& out)
{
    BitReader r(bytes);
    std::uint64_t prev = 0;
    int prevLead = 0, prevTrail = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (i == 0) {
            prev = r.read(64);
        } else if (r.bit()) {
            if (!r.bit()) {
                prev ^= r.read(64 - prevLead - prevTrail) << prevTrail;
            } else {
                prevLead = static_cast<int>(r.read(5));
                const int len = static_cast<int>(r.read(6)) + 1;
                prevTrail = 64 - prevLead - len;
                prev ^= r.read(len) << prevTrail;
            }
        }
        out.push_back(fromBits(prev));
    }
}

} // namespace

GorillaBlock GorillaBlock::encode(std::span<const qint64> values)
{
    GorillaBlock block;
    block.m_count = static_cast<std::uint16_t>(values.size());
    if (!values.empty())
        block.m_firstInt = values.front(), block.m_lastInt = values.back();
    std::vector<std::uint8_t> best;
    for (const int order : { 2, 1 }) {
        IntEncoder e(order);
        for (const qint64 v : values)
            e.add(static_cast<std::uint64_t>(v));
        auto bytes = e.writer().take();
        if (order == 2 || bytes.size() < best.size()) {
            best = std::move(bytes);
            block.m_codec = order == 2 ? Codec::DeltaOfDelta : Codec::Delta;
        }
    }
    block.m_bits = std::move(best);
    return block;
}

GorillaBlock GorillaBlock::encode(std::span<const double> values)
{
    GorillaBlock block;
    block.m_count = static_cast<std::uint16_t>(values.size());
    block.m_min = block.m_max = std::numeric_limits<double>::quiet_NaN();
    if (!values.empty()) {
        block.m_firstInt = std::bit_cast<qint64>(values.front());
        block.m_lastInt = std::bit_cast<qint64>(values.back());
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (std::isnan(v)) {
            ++block.m_nanCount;
            continue;
        }
        if (std::isnan(block.m_min) || v < block.m_min)
            block.m_min = v, block.m_minIndex = static_cast<std::uint16_t>(i);
        if (std::isnan(block.m_max) || v > block.m_max)
            block.m_max = v, block.m_maxIndex = static_cast<std::uint16_t>(i);
    }
    std::vector<std::uint8_t> best;
    for (const int order : { 2, 1 }) {
        IntEncoder e(order);
        for (const double v : values)
            e.addDouble(v);
        auto bytes = e.writer().take();
        if (order == 2 || bytes.size() < best.size()) {
            best = std::move(bytes);
            block.m_codec = order == 2 ? Codec::DeltaOfDelta : Codec::Delta;
        }
    }
    auto xored = encodeXor(values);
    if (xored.size() < best.size()) {
        best = std::move(xored);
        block.m_codec = Codec::Xor;
    }
    block.m_bits = std::move(best);
    return block;
}

void GorillaBlock::decode(std::vector<qint64>& out) const
{
    out.clear();
    out.reserve(m_count);
    IntDecoder d(m_bits, m_codec == Codec::Delta ? 1 : 2);
    for (std::size_t i = 0; i < m_count; ++i) {
        std::uint64_t v = 0;
        d.next(&v);
        out.push_back(static_cast<qint64>(v));
    }
}

void GorillaBlock::decode(std::vector<double>& out) const
{
    out.clear();
    out.reserve(m_count);
    if (m_codec == Codec::Xor) {
        decodeXor(m_bits, m_count, out);
        return;
    }
    IntDecoder d(m_bits, m_codec == Codec::Delta ? 1 : 2);
    for (std::size_t i = 0; i < m_count; ++i) {
        std::uint64_t v = 0;
        if (d.next(&v))
            out.push_back(static_cast<double>(static_cast<std::int64_t>(v)));
        else
            out.push_back(fromBits(v));
    }
}

} // namespace poolscope
