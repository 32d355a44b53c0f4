#include "Decimation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

namespace poolscope {

namespace {

// One input point: its index (for ordering) and its coordinates.
struct Point
{
    std::ptrdiff_t i = -1;
    qint64 t = 0;
    double v = 0;
};

// First, min, max and last of the points of one pixel column.
struct Bucket
{
    Point first;
    Point last;
    Point min;
    Point max;

    bool empty() const { return first.i < 0; }
    void add(const Point& p)
    {
        if (empty()) {
            first = last = min = max = p;
            return;
        }
        last = p;
        if (p.v < min.v)
            min = p;
        if (p.v > max.v)
            max = p;
    }
    void merge(const Bucket& other)
    {
        if (other.empty())
            return;
        if (empty()) {
            *this = other;
            return;
        }
        last = other.last;
        if (other.min.v < min.v)
            min = other.min;
        if (other.max.v > max.v)
            max = other.max;
    }
    void appendTo(QList<QPointF>& out) const
    {
        if (empty())
            return;
        std::array<Point, 4> points { first, min, max, last };
        std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.i < b.i; });
        const auto end
            = std::unique(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.i == b.i; });
        for (auto it = points.begin(); it != end; ++it)
            out.append(QPointF(static_cast<double>(it->t), it->v));
    }
};

class Decimator
{
public:
    void add(const Point& p, int column)
    {
        if (column != m_column)
            closeColumn(column);
        if (std::isnan(p.v)) {
            if (!m_sawGap) {
                // The first gap in this column ends the running segment.
                m_bucket.appendTo(m_segment);
                endSegment();
                m_sawGap = true;
            } else {
                // Values between two gaps of the same column: a short segment of their own.
                m_middle.merge(m_bucket);
            }
            m_bucket = {};
            return;
        }
        m_bucket.add(p);
    }

    Segments finish()
    {
        closeColumn(m_column + 1);
        endSegment();
        return std::move(m_out);
    }

private:
    void closeColumn(int next)
    {
        if (!m_middle.empty()) {
            QList<QPointF> middle;
            m_middle.appendTo(middle);
            m_out.append(std::move(middle));
            m_middle = {};
        }
        m_bucket.appendTo(m_segment);
        m_bucket = {};
        m_sawGap = false;
        m_column = next;
    }
    void endSegment()
    {
        if (!m_segment.isEmpty())
            m_out.append(std::exchange(m_segment, {}));
    }

    Segments m_out;
    QList<QPointF> m_segment;
    Bucket m_bucket;
    Bucket m_middle;
    bool m_sawGap = false;
    int m_column = std::numeric_limits<int>::min();
};

class Columns
{
public:
    Columns(qint64 t0, qint64 t1, int columns)
        : m_t0(t0)
        , m_t1(t1)
        , m_columns(columns)
        , m_span(std::max<qint64>(t1 - t0, 1))
    { }
    int of(qint64 t) const
    {
        if (t < m_t0)
            return -1;
        if (t > m_t1)
            return m_columns;
        // (t - t0) * columns fits easily: spans are at most years (1e12 ms) times a few thousand columns.
        return static_cast<int>(std::min<qint64>((t - m_t0) * m_columns / m_span, m_columns - 1));
    }

private:
    qint64 m_t0;
    qint64 m_t1;
    int m_columns;
    qint64 m_span;
};

// A sealed block of rows [row, row + count) that falls in one pixel column and has no gap goes to the decimator
// as its four points from the block headers: the values are not decoded (the times of the min and max are).
// Returns the rows consumed, 0 when the block does not qualify.
std::size_t addBlock(Decimator& decimator, const Columns& columns, const ColumnView<qint64>& t,
    const ColumnView<double>& v, std::size_t row, std::size_t end)
{
    const BlockedColumn<qint64>* tc = t.column();
    const BlockedColumn<double>* vc = v.column();
    if (!tc || !vc || row >= std::min(tc->openStart(), vc->openStart()))
        return 0;
    const std::size_t k = tc->blockOf(row);
    if (tc->blockStart(k) != row || vc->blockOf(row) != k || vc->blockStart(k) != row)
        return 0;
    const GorillaBlock& times = tc->sealed(k);
    const GorillaBlock& values = vc->sealed(k);
    const std::size_t n = times.count();
    if (values.count() != n || row + n > end || values.nanCount() != 0 || n == 0)
        return 0;
    const int column = columns.of(times.firstInt());
    if (columns.of(times.lastInt()) != column)
        return 0;
    std::array<std::size_t, 4> at { 0, values.minIndex(), values.maxIndex(), n - 1 };
    std::sort(at.begin(), at.end());
    const auto last = std::unique(at.begin(), at.end());
    for (auto it = at.begin(); it != last; ++it) {
        const std::size_t r = row + *it;
        double value = 0;
        if (*it == values.minIndex())
            value = values.min();
        else if (*it == values.maxIndex())
            value = values.max();
        else
            value = *it == 0 ? values.first() : values.last();
        decimator.add(Point { static_cast<std::ptrdiff_t>(r),
                          *it == 0 ? times.firstInt() : (*it == n - 1 ? times.lastInt() : t[r]), value },
            column);
    }
    return n;
}

template <class Times, class Values>
Segments decimateSeries(const Times& t, const Values& v, qint64 t0, qint64 t1, int columns)
{
    const std::size_t n = std::min(t.size(), v.size());
    if (n == 0)
        return {};
    columns = std::max(columns, 1);
    if (t1 < t0)
        std::swap(t0, t1);
    const Columns pixels(t0, t1, columns);

    const auto tEnd = t.begin() + static_cast<std::ptrdiff_t>(n);
    std::size_t begin = static_cast<std::size_t>(std::lower_bound(t.begin(), tEnd, t0) - t.begin());
    std::size_t end = static_cast<std::size_t>(std::upper_bound(t.begin(), tEnd, t1) - t.begin());
    if (begin > 0)
        --begin; // the last point before t0
    if (end < n)
        ++end; // the first point after t1

    Decimator decimator;
    for (std::size_t i = begin; i < end;) {
        if constexpr (std::is_same_v<Times, ColumnView<qint64>>) {
            if (const std::size_t rows = addBlock(decimator, pixels, t, v, i, end)) {
                i += rows;
                continue;
            }
        }
        const qint64 ti = t[i];
        decimator.add(Point { static_cast<std::ptrdiff_t>(i), ti, v[i] }, pixels.of(ti));
        ++i;
    }
    return decimator.finish();
}

} // namespace

Segments decimate(std::span<const qint64> t, std::span<const double> v, qint64 t0, qint64 t1, int columns)
{
    return decimateSeries(t, v, t0, t1, columns);
}

Segments decimate(const ColumnView<qint64>& t, const ColumnView<double>& v, qint64 t0, qint64 t1, int columns)
{
    return decimateSeries(t, v, t0, t1, columns);
}

qsizetype pointCount(const Segments& segments)
{
    qsizetype n = 0;
    for (const auto& segment : segments)
        n += segment.size();
    return n;
}

} // namespace poolscope
