#pragma once

class QValueAxis;

namespace poolscope {

// A value axis for counts (connections, acquisitions): ticks only on whole numbers, labelled "%d", from 0 to a
// top that is a whole number of steps of 1, 2 or 5 times a power of ten. Without it an axis from 0 to 2 gets
// five ticks labelled "0, 0, 1, 1, 2" (QValueAxis's default).
class WholeNumberAxis
{
public:
    static void setUp(QValueAxis* axis);
    // Makes [0, top] show `highest` (at least `minimumTop`) with a whole-number step.
    static void fit(QValueAxis* axis, double highest, double minimumTop = 1);
    // A tick step of 1, 2 or 5 times a power of ten giving at most ~6 intervals up to `top`; at least 1.
    static double niceStep(double top);
};

} // namespace poolscope
