#pragma once

#include "Exposition.h"

#include <QList>
#include <QRegularExpression>
#include <QString>

#include <optional>

namespace poolscope {

// A PromQL-style series selector: `name`, `name{label="v"}`, `{__name__="name",pool=~"main|aux"}`, with
// the matchers =, !=, =~ and !~ (regular expressions anchored at both ends, as in PromQL).
class SeriesSelector
{
public:
    enum class Op { Equal, NotEqual, Matches, NotMatches };
    struct Matcher
    {
        QString label; // "__name__" for the metric name
        Op op = Op::Equal;
        QString value;
        QRegularExpression regex; // for Matches / NotMatches
    };

    // On failure returns nullopt and sets *error to a message naming the position ("at 12: expected '='").
    static std::optional<SeriesSelector> parse(const QString& text, QString* error = nullptr);

    bool matches(const ExpositionSample& sample) const;
    // The metric name the selector asks for, empty when it only matches labels.
    QString metricName() const;
    const QString& text() const { return m_text; }

private:
    QString m_text;
    QList<Matcher> m_matchers;
};

} // namespace poolscope
