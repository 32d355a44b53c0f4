#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>

#include <vector>

namespace poolscope {

// One series of a Prometheus answer: its labels (without __name__ unless asked for) and its points.
// An instant vector has exactly one point per series.
struct PromSeries
{
    QMap<QString, QString> labels;
    std::vector<qint64> timesMs; // ascending
    std::vector<double> values; // NaN and ±Inf as Prometheus sent them

    QString label(const QString& name) const { return labels.value(name); }
};

// A parsed /api/v1/query or /api/v1/query_range answer: the series, or why the body is not one (naming
// the place: "data.result[3].values[7][1]: \"x\" is not a number"). A body with status "error" gives
// Prometheus's own errorType and error.
struct PromResponse
{
    enum class Type { Vector, Matrix };

    std::vector<PromSeries> series;
    QString error;
    QString warnings; // Prometheus's warnings, joined

    bool ok() const { return error.isEmpty(); }

    // Refuses bodies with more than maxSeries series or maxPoints points in all (a selector that matched
    // far more than it should), and any shape but the expected one.
    static PromResponse parse(
        const QByteArray& body, Type expected, qsizetype maxSeries = 100'000, qsizetype maxPoints = 20'000'000);
};

// A sample value as Prometheus writes it ("1", "2.5e3", "NaN", "+Inf", "-Inf"); false when it is none.
bool parsePromValue(const QString& text, double* value);

} // namespace poolscope
