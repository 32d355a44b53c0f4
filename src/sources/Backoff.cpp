#include "Backoff.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace poolscope {

int Backoff::delayMs(int failures, double j) const
{
    const int base = std::max(baseMs, 1);
    if (failures <= 0)
        return base;
    const int exponent = std::min(failures - 1, 30);
    const double grown = std::min(std::ldexp(static_cast<double>(base), exponent), static_cast<double>(capMs));
    const double delay = std::max(grown, static_cast<double>(base));
    const double factor = 1.0 + jitter * std::clamp(j, -1.0, 1.0);
    return std::max(1, static_cast<int>(std::lround(delay * factor)));
}

int Backoff::randomDelayMs(int failures) const
{
    return delayMs(failures, QRandomGenerator::global()->generateDouble() * 2.0 - 1.0);
}

} // namespace poolscope
