#pragma once

#include "GorillaBlock.h"

#include <algorithm>
#include <span>
#include <vector>

namespace poolscope {

// A column of qint64 (timestamps, flags) or double (metric values) kept in blocks of kBlockRows: the newest block
// open and plain, the older ones sealed into GorillaBlocks and immutable. Appending seals the open block when it is
// full, so the last value is always in the open block (and can be replaced, which a route's unchanged run needs).
// Not thread-safe: reading (ColumnView) must not be concurrent with append, setBack or dropFront.
template <class T> class BlockedColumn
{
public:
    static constexpr std::size_t kBlockRows = 256;

    void append(T value)
    {
        if (m_open.size() == kBlockRows)
            seal();
        m_open.push_back(value);
        ++m_size;
    }
    // Replaces the last value. Precondition: !empty().
    void setBack(T value) { m_open.back() = value; }

    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

    std::size_t sealedCount() const { return m_sealed.size(); }
    const GorillaBlock& sealed(std::size_t k) const { return m_sealed[k]; }
    // First row of sealed block k: every block but the first (which dropFront may have shortened) is full.
    std::size_t blockStart(std::size_t k) const { return k == 0 ? 0 : m_firstRows + (k - 1) * kBlockRows; }
    std::size_t openStart() const { return m_size - m_open.size(); }
    std::span<const T> open() const { return m_open; }
    // The sealed block holding `row` (row < openStart()).
    std::size_t blockOf(std::size_t row) const { return row < m_firstRows ? 0 : 1 + (row - m_firstRows) / kBlockRows; }

    T back() const { return m_open.back(); }

    // Forgets the first `rows` values. A sealed block cut in two is re-encoded (a new block, still immutable).
    void dropFront(std::size_t rows)
    {
        rows = std::min(rows, m_size);
        if (rows == 0)
            return;
        if (rows >= openStart()) {
            m_open.erase(m_open.begin(), m_open.begin() + static_cast<std::ptrdiff_t>(rows - openStart()));
            m_sealed.clear();
            m_firstRows = 0;
        } else {
            const std::size_t k = blockOf(rows);
            const std::size_t cut = rows - blockStart(k);
            m_sealed.erase(m_sealed.begin(), m_sealed.begin() + static_cast<std::ptrdiff_t>(k));
            const std::size_t firstRows = m_sealed.front().count() - cut;
            if (cut > 0) {
                std::vector<T> values;
                m_sealed.front().decode(values);
                m_sealed.front() = GorillaBlock::encode(std::span<const T>(values).subspan(cut));
            }
            m_firstRows = firstRows;
        }
        m_size -= rows;
        m_sealed.shrink_to_fit();
    }

    // Heap bytes held (the open block's capacity, the sealed blocks and their bits).
    std::size_t memoryBytes() const
    {
        std::size_t bytes = m_open.capacity() * sizeof(T) + m_sealed.capacity() * sizeof(GorillaBlock);
        for (const auto& block : m_sealed)
            bytes += block.heapBytes();
        return bytes;
    }

private:
    void seal()
    {
        // Grow the block list by an eighth, not double it: a column lives for hours, its spare headers cost.
        if (m_sealed.size() == m_sealed.capacity())
            m_sealed.reserve(m_sealed.size() + m_sealed.size() / 8 + 4);
        m_sealed.push_back(GorillaBlock::encode(std::span<const T>(m_open)));
        if (m_sealed.size() == 1)
            m_firstRows = m_open.size();
        m_open.clear();
    }

    std::vector<GorillaBlock> m_sealed;
    std::vector<T> m_open;
    std::size_t m_size = 0;
    std::size_t m_firstRows = 0; // rows of the first sealed block
};

} // namespace poolscope
