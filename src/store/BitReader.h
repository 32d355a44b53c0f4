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
    // Reads `count` bits (count <= 64), most significant first, a byte's worth at a time.
    std::uint64_t read(int count)
    {
        std::uint64_t v = 0;
        while (count > 0) {
            const std::size_t byte = m_pos / 8;
            const int offset = static_cast<int>(m_pos % 8);
            const int take = count < 8 - offset ? count : 8 - offset;
            const unsigned bits = byte < m_bytes.size() ? m_bytes[byte] : 0U;
            v = (v << take) | ((bits >> (8 - offset - take)) & ((1U << take) - 1U));
            m_pos += static_cast<std::size_t>(take);
            count -= take;
        }
        return v;
    }

private:
    std::span<const std::uint8_t> m_bytes;
    std::size_t m_pos = 0;
};

} // namespace poolscope
