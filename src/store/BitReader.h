#pragma once

#include <cstdint>
#include <span>

namespace poolscope {

// Reads back what a BitWriter wrote. Reading past the end yields zero bits (a sealed block is never read
// past its count, so this only guards against a bug turning into an out-of-bounds read).
class BitReader
{
public:
    explicit BitReader(std::span<const std::uint8_t> bytes)
        : m_bytes(bytes)
    { }

    bool bit()
    {
        const std::size_t byte = m_pos / 8;
        const int shift = 7 - static_cast<int>(m_pos % 8);
        ++m_pos;
        return byte < m_bytes.size() && ((m_bytes[byte] >> shift) & 1U) != 0;
    }
    std::uint64_t read(int count)
    {
        std::uint64_t v = 0;
        for (int i = 0; i < count; ++i)
            v = (v << 1) | (bit() ? 1U : 0U);
        return v;
    }

private:
    std::span<const std::uint8_t> m_bytes;
    std::size_t m_pos = 0;
};

} // namespace poolscope
