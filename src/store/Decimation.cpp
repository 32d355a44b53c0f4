#include "Decimation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

namespace poolscope {

namespace {

// First, min, max and last of the points of one pixel column (indices into the input).
struct Bucket
{
    std::ptrdiff_t first = -1;
    std::ptrdiff_t last = -1;
    std::ptrdiff_t min = -1;
    std::ptrdiff_t max = -1;

    bool empty() const { return first < 0; }
    void add(std::ptrdiff_t i, std::span<const double> v)
    {
        if (first < 0) {
            first = last = min = max = i;
            return;
        }
        last = i;
        if (v[static_cast<std::size_t>(i)] < v[static_cast<std::size_t>(min)])
            min = i;
        if (v[static_cast<std::size_t>(i)] > v[static_cast<std::size_t>(max)])
            max = i;
    }
    void merge(const Bucket& other, std::span<const double> v)
    {
        if (other.empty())
            return;
        if (empty()) {
            *this = other;
            return;
        }
        last = other.last;
        if (v[static_cast<std::size_t>(other.min)] < v[static_cast<std::size_t>(min)])
            min = other.min;
        if (v[static_cast<std::size_t>(other.max)] > v[static_cast<std::size_t>(max)])
            max = other.max;
    }
    void appendTo(QList<QPointF>& out, std::span<const qint64> t, std::span<const double> v) const
    {
        if (empty())
            return;
        std::array<std::ptrdiff_t, 4> idx { first, min, max, last };
        std::sort(idx.begin(), idx.end());
        const auto end = std::unique(idx.begin(), idx.end());
        for (auto it = idx.begin(); it != end; ++it) {
            const auto i = static_cast<std::size_t>(*it);
            out.append(QPointF(static_cast<double>(t[i]), v[i]));
        }
    }
};

class Decimator
{
public:
    Decimator(std::span<const qint64> t, std::span<const double> v)
        : m_t(t)
        , m_v(v)
    { }

    void add(std::ptrdiff_t i, int column)
    {
        if (column != m_column)
            closeColumn(column);
        if (std::isnan(m_v[static_cast<std::size_t>(i)])) {
            if (!m_sawGap) {
                // The first gap in this column ends the running segment.
                m_bucket.appendTo(m_segment, m_t, m_v);
                endSegment();
                m_sawGap = true;
            } else {
                // Values between two gaps of the same column: a short segment of their own.
                m_middle.merge(m_bucket, m_v);
            }
            m_bucket = {};
            return;
        }
        m_bucket.add(i, m_v);
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
            m_middle.appendTo(middle, m_t, m_v);
            m_out.append(std::move(middle));
            m_middle = {};
        }
        m_bucket.appendTo(m_segment, m_t, m_v);
        m_bucket = {};
        m_sawGap = false;
        m_column = next;
    }
    void endSegment()
    {
        if (!m_segment.isEmpty())
            m_out.append(std::exchange(m_segment, {}));
    }

    std::span<const qint64> m_t;
    std::span<const double> m_v;
    Segments m_out;
    QList<QPointF> m_segment;
    Bucket m_bucket;
    Bucket m_middle;
    bool m_sawGap = false;
    int m_column = std::numeric_limits<int>::min();
};

} // namespace

Segments decimate(std::span<const qint64> t, std::span<const double> v, qint64 t0, qint64 t1, int columns)
{
    const std::size_t n = std::min(t.size(), v.size());
    if (n == 0)
        return {};
    columns = std::max(columns, 1);
    if (t1 < t0)
        std::swap(t0, t1);
    const qint64 span = std::max<qint64>(t1 - t0, 1);

    const auto times = t.first(n);
    std::size_t begin = static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), t0) - times.begin());
    std::size_t end = static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), t1) - times.begin());
    if (begin > 0)
        --begin; // the last point before t0
    if (end < n)
        ++end; // the first point after t1

    Decimator decimator(t, v);
    for (std::size_t i = begin; i < end; ++i) {
        int column;
        if (t[i] < t0) {
            column = -1;
        } else if (t[i] > t1) {
            column = columns;
        } else {
            // (t - t0) * columns fits easily: spans are at most years (1e12 ms) times a few thousand columns.
            column = static_cast<int>(std::min<qint64>((t[i] - t0) * columns / span, columns - 1));
        }
        decimator.add(static_cast<std::ptrdiff_t>(i), column);
    }
    return decimator.finish();
}

qsizetype pointCount(const Segments& segments)
{
    qsizetype n = 0;
    for (const auto& segment : segments)
        n += segment.size();
    return n;
}

} // namespace poolscope
