#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace poolscope {

// Appends bits, most significant first, to a byte buffer (the encoder side of GorillaBlock).
class BitWriter
{
public:
    // Writes the low `count` bits of `bits` (count <= 64).
    void write(std::uint64_t bits, int count)
    {
        while (count > 0) {
            if (m_used == 0)
                m_bytes.push_back(0);
            const int take = count < 8 - m_used ? count : 8 - m_used;
            const auto chunk = static_cast<unsigned>((bits >> (count - take)) & ((1U << take) - 1U));
            m_bytes.back() = static_cast<std::uint8_t>(m_bytes.back() | (chunk << (8 - m_used - take)));
            m_used = (m_used + take) % 8;
            count -= take;
        }
    }
    std::size_t bitCount() const
    {
        return m_bytes.size() * 8 - (m_used == 0 ? 0 : static_cast<std::size_t>(8 - m_used));
    }
    // The bytes written so far (the last one partly).
    std::span<const std::uint8_t> bytes() const { return m_bytes; }
    void reserve(std::size_t bytes) { m_bytes.reserve(bytes); }
    std::size_t capacity() const { return m_bytes.capacity(); }
    std::vector<std::uint8_t> take()
    {
        m_bytes.shrink_to_fit();
        m_used = 0;
        return std::move(m_bytes);
    }

private:
    std::vector<std::uint8_t> m_bytes;
    int m_used = 0; // bits used in the last byte, 0 when it is full (or there is none)
};

} // namespace poolscope
