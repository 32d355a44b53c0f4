#pragma once

// The table the fault suites print at the end of a run: per fault, the time it took to show and the time
// to recover after it was removed (measured with QElapsedTimer; bounded by the tests, not benchmarked).
#include <QList>
#include <QString>

#include <cstdio>

namespace poolscope::test {

class FaultTable
{
public:
    static constexpr qint64 kNotMeasured = -1;

    void add(const QString& fault, qint64 showMs, qint64 recoverMs, const QString& message)
    {
        m_rows.append({ fault, showMs, recoverMs, message });
    }

    void print(const char* title) const
    {
        std::printf("\n%s\n%-34s %9s %11s  %s\n", title, "fault", "show (s)", "recover (s)", "message");
        for (const Row& row : m_rows) {
            std::printf("%-34s %9s %11s  %s\n", qPrintable(row.fault), qPrintable(seconds(row.showMs)),
                qPrintable(seconds(row.recoverMs)), qPrintable(row.message.left(140)));
        }
        std::fflush(stdout);
    }

private:
    struct Row
    {
        QString fault;
        qint64 showMs;
        qint64 recoverMs;
        QString message;
    };
    static QString seconds(qint64 ms)
    {
        return ms < 0 ? QStringLiteral("n/a") : QString::number(static_cast<double>(ms) / 1000.0, 'f', 2);
    }
    QList<Row> m_rows;
};

} // namespace poolscope::test
