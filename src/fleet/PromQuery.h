#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace poolscope {

// Building PromQL and the form bodies of Prometheus's HTTP API (/api/v1/query, /api/v1/query_range).
namespace promquery {

// A label value as a PromQL double-quoted string literal: "a\"b".
QString quoted(const QString& value);

// `metric{<extra matchers>, name="value", ...}`: `extraSelector` is the workspace's selector ({env="prod"},
// already validated, or empty); `equals` are exact matchers added after it.
QString selector(
    const QString& metric, const QString& extraSelector, const QList<QPair<QString, QString>>& equals = {});

// The step (seconds) of a range query drawn on `pixels` columns: about one point per pixel, rounded up to
// a readable step (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 d), never below
// `minStepSeconds` (the scrape interval: a finer step only repeats samples) and never giving Prometheus
// more than kMaxPoints points per series (it refuses 11,000).
inline constexpr qint64 kMaxPoints = 10'000;
qint64 fitStepSeconds(qint64 rangeMs, int pixels, qint64 minStepSeconds = 1);

// The form body (application/x-www-form-urlencoded, every reserved character percent-encoded: a PromQL
// `+` must not become a space) of an instant query at `timeMs` (0: now, Prometheus's clock).
QByteArray instant(const QString& promql, qint64 timeMs = 0);
// The form body of a range query over [startMs, endMs] (rounded to whole seconds, start aligned down
// to the step so that successive refreshes land on the same grid).
QByteArray range(const QString& promql, qint64 startMs, qint64 endMs, qint64 stepSeconds);

} // namespace promquery
} // namespace poolscope
