#include "BitCodes.h"

#include <algorithm>
#include <bit>

namespace poolscope::bitcodes {

bool asInteger(double v, std::int64_t* out)
{
    constexpr double kLimit = 9007199254740992.0; // 2^53
    if (!(v >= -kLimit && v <= kLimit)) // NaN too
        return false;
    const auto i = static_cast<std::int64_t>(v);
    if (static_cast<double>(i) != v || std::bit_cast<std::uint64_t>(v) == std::bit_cast<std::uint64_t>(-0.0))
        return false;
    *out = i;
    return true;
}

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

int lengthZ(std::uint64_t z)
{
    if (z == 0)
        return 1;
    if (z <= 4)
        return 4;
    if (z <= 20)
        return 7;
    if (z <= 275)
        return 12;
    if (z < (std::uint64_t(1) << 32))
        return 37;
    return 70;
}

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

void writeXor(BitWriter& w, std::span<const double> values)
{
    std::uint64_t prev = 0;
    int prevLead = -1, prevTrail = 0;
    bool first = true;
    for (const double value : values) {
        const auto bits = std::bit_cast<std::uint64_t>(value);
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
}

void readXor(BitReader& r, std::size_t count, std::vector<double>& out)
{
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
        out.push_back(std::bit_cast<double>(prev));
    }
}

} // namespace poolscope::bitcodes
