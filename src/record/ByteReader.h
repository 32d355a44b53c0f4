#pragma once

#include <cstdint>
#include <cstring>

namespace poolscope {

// Reads what ByteWriter wrote from a byte range it does not own. Reading past the end (a damaged record)
// returns zeros and clears ok(), which stays cleared: a decoder checks ok() once at the end.
class ByteReader
{
public:
    ByteReader(const std::uint8_t* data, std::size_t size)
        : m_pos(data)
        , m_end(data + size)
    { }

    bool ok() const { return m_ok; }
    bool atEnd() const { return m_pos >= m_end; }
    std::size_t remaining() const { return static_cast<std::size_t>(m_end - m_pos); }
    void fail() { m_ok = false; }

    std::uint8_t u8()
    {
        if (m_pos >= m_end) {
            m_ok = false;
            return 0;
        }
        return *m_pos++;
    }
    std::uint64_t varint()
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_pos >= m_end) {
                m_ok = false;
                return 0;
            }
            const std::uint8_t b = *m_pos++;
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return v;
        }
        m_ok = false; // more than 10 bytes: not a varint
        return 0;
    }
    std::int64_t zigzag()
    {
        const std::uint64_t v = varint();
        return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
    }
    std::uint64_t fixed64()
    {
        if (remaining() < 8) {
            m_ok = false;
            m_pos = m_end;
            return 0;
        }
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v |= static_cast<std::uint64_t>(m_pos[i]) << (8 * i);
        m_pos += 8;
        return v;
    }
    double real()
    {
        const std::uint64_t bits = fixed64();
        double v = 0;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
    // `size` bytes in place, nullptr (and !ok()) when fewer remain.
    const std::uint8_t* bytes(std::size_t size)
    {
        if (remaining() < size) {
            m_ok = false;
            m_pos = m_end;
            return nullptr;
        }
        const std::uint8_t* at = m_pos;
        m_pos += size;
        return at;
    }

private:
    const std::uint8_t* m_pos;
    const std::uint8_t* m_end;
    bool m_ok = true;
};

} // namespace poolscope
