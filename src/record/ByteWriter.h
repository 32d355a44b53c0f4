#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstring>

namespace poolscope {

// Appends little-endian fixed-width integers, LEB128 varints and zigzag varints to a byte buffer (the encoder
// side of recording format 2; ByteReader reads them back).
class ByteWriter
{
public:
    void u8(std::uint8_t v) { m_bytes.append(static_cast<char>(v)); }
    void varint(std::uint64_t v)
    {
        while (v >= 0x80) {
            u8(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        u8(static_cast<std::uint8_t>(v));
    }
    // Small magnitudes of either sign in few bytes.
    void zigzag(std::int64_t v) { varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
    void fixed32(std::uint32_t v)
    {
        for (int i = 0; i < 4; ++i)
            u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void fixed64(std::uint64_t v)
    {
        for (int i = 0; i < 8; ++i)
            u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void real(double v)
    {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        fixed64(bits);
    }
    void bytes(const QByteArray& data) { m_bytes.append(data); }
    // Overwrites 8 bytes at `at` (a placeholder written with fixed64 before).
    void patch64(qsizetype at, std::uint64_t v)
    {
        for (int i = 0; i < 8; ++i)
            m_bytes[at + i] = static_cast<char>(static_cast<std::uint8_t>(v >> (8 * i)));
    }

    qsizetype size() const { return m_bytes.size(); }
    const QByteArray& data() const { return m_bytes; }
    QByteArray take() { return std::exchange(m_bytes, {}); }

private:
    QByteArray m_bytes;
};

} // namespace poolscope
