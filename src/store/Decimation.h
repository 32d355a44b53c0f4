#pragma once

#include "ColumnView.h"

#include <QList>
#include <QPointF>

#include <span>

namespace poolscope {

// A line to draw, split into segments at gaps: each inner list is one unbroken run of points
// (x = UTC ms since the epoch as a double, y = the value).
using Segments = QList<QList<QPointF>>;

// Reduces the series (t[i], v[i]) (t ascending, v NaN for a gap) inside [t0, t1] for a plot that is
// `columns` pixels wide (M4 decimation): per pixel column it keeps the first, minimum, maximum and
// last point, in time order, so every column's extremes are drawn exactly.
//
// Gaps are never bridged: a NaN ends a segment. Inside one pixel column the values between its first
// and last gap are kept as their own short segment (sub-pixel detail), so the output stays bounded
// (at most 12 points per column and 2 segments per column) however the gaps fall.
//
// The last point before t0 and the first after t1 are included so lines reach the plot's edges.
// Segments with a single point are kept (a lone successful poll between two failures).
Segments decimate(std::span<const qint64> t, std::span<const double> v, qint64 t0, qint64 t1, int columns);
// The same on a TargetHistory's columns (same result).
Segments decimate(const ColumnView<qint64>& t, const ColumnView<double>& v, qint64 t0, qint64 t1, int columns);

// Number of points in all segments.
qsizetype pointCount(const Segments& segments);

} // namespace poolscope
