#pragma once

#include "BlockedColumn.h"

#include <iterator>
#include <memory>
#include <vector>

namespace poolscope {

// A read-only view of a BlockedColumn that reads like a std::span: size(), operator[], front(), back() and
// random-access iterators (so std::upper_bound over times() works). Values are returned by value. Reading a row
// of a sealed block decodes that block once and keeps it (the last decoded block) in a cache shared by the view
// and the iterators made from it, so a scan decodes each block once. The view and its iterators belong to one
// thread at a time; like the column, they must not be read while the column is appended to.
template <class T> class ColumnView
{
    struct Cache
    {
        std::size_t block = static_cast<std::size_t>(-1);
        std::size_t start = 0;
        std::vector<T> values;
    };

public:
    using value_type = T;
    using size_type = std::size_t;

    ColumnView() = default;
    explicit ColumnView(const BlockedColumn<T>& column)
        : m_column(&column)
        , m_size(column.size())
    { }

    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    T operator[](std::size_t row) const { return read(m_column, m_cache, row); }
    T front() const { return (*this)[0]; }
    // The column viewed (for readers of its blocks' headers, such as Decimation).
    const BlockedColumn<T>* column() const { return m_column; }
    T back() const { return (*this)[m_size - 1]; }

    class const_iterator
    {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using iterator_concept = std::random_access_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using reference = T;
        using pointer = void;

        const_iterator() = default;
        const_iterator(const BlockedColumn<T>* column, std::shared_ptr<Cache>* cache, std::size_t row)
            : m_column(column)
            , m_row(row)
        {
            if (cache) {
                if (!*cache)
                    *cache = std::make_shared<Cache>();
                m_cache = *cache;
            }
        }

        T operator*() const { return read(m_column, m_cache, m_row); }
        T operator[](difference_type n) const { return read(m_column, m_cache, offset(n)); }
        const_iterator& operator++() { return ++m_row, *this; }
        const_iterator operator++(int)
        {
            auto c = *this;
            ++m_row;
            return c;
        }
        const_iterator& operator--() { return --m_row, *this; }
        const_iterator operator--(int)
        {
            auto c = *this;
            --m_row;
            return c;
        }
        const_iterator& operator+=(difference_type n) { return m_row = offset(n), *this; }
        const_iterator& operator-=(difference_type n) { return m_row = offset(-n), *this; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b)
        {
            return static_cast<difference_type>(a.m_row) - static_cast<difference_type>(b.m_row);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.m_row == b.m_row; }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) { return a.m_row <=> b.m_row; }

    private:
        std::size_t offset(difference_type n) const
        {
            return static_cast<std::size_t>(static_cast<difference_type>(m_row) + n);
        }
        const BlockedColumn<T>* m_column = nullptr;
        mutable std::shared_ptr<Cache> m_cache;
        std::size_t m_row = 0;
    };
    using iterator = const_iterator;

    const_iterator begin() const { return const_iterator(m_column, &m_cache, 0); }
    const_iterator end() const { return const_iterator(m_column, &m_cache, m_size); }

    // Copies the rows [from, to) out.
    std::vector<T> toVector(std::size_t from = 0, std::size_t to = static_cast<std::size_t>(-1)) const
    {
        to = std::min(to, m_size);
        std::vector<T> out;
        for (std::size_t i = from; i < to; ++i)
            out.push_back((*this)[i]);
        return out;
    }

private:
    static T read(const BlockedColumn<T>* column, std::shared_ptr<Cache>& cache, std::size_t row)
    {
        const std::size_t openStart = column->openStart();
        if (row >= openStart)
            return column->open()[row - openStart];
        if (!cache)
            cache = std::make_shared<Cache>();
        const std::size_t k = column->blockOf(row);
        if (cache->block != k) {
            column->sealed(k).decode(cache->values);
            cache->block = k;
            cache->start = column->blockStart(k);
        }
        return cache->values[row - cache->start];
    }

    const BlockedColumn<T>* m_column = nullptr;
    std::size_t m_size = 0;
    mutable std::shared_ptr<Cache> m_cache;
};

} // namespace poolscope
