// libFuzzer target: the Prometheus text / OpenMetrics parser and the series selectors that read it.
//
// Input: an exposition body. The first line, when it starts with "#selector ", is a series selector
// applied to every sample. Checks the documented invariants: an error names its line ("line N: ..."),
// every sample's line is within the body, and a sample's seriesKey() parses as a selector that matches it.

#include "profiles/Exposition.h"
#include "profiles/Profile.h"
#include "profiles/SeriesSelector.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>

using namespace poolscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    std::optional<SeriesSelector> selector;
    if (input.startsWith("#selector ")) {
        const qsizetype end = input.indexOf('\n');
        selector = SeriesSelector::parse(QString::fromUtf8(input.mid(10, end < 0 ? -1 : end - 10)));
    }
    static const Profile profile = *Profile::builtin(QStringLiteral("auto"));
    const int lines = static_cast<int>(input.count('\n')) + 1;
    for (const Exposition::Format format : { Exposition::Format::Prometheus, Exposition::Format::OpenMetrics }) {
        const Exposition e = Exposition::parse(input, format);
        if (!e.ok() && !e.error.startsWith(QStringLiteral("line ")))
            __builtin_trap();
        for (const ExpositionSample& s : e.samples) {
            if (s.line < 1 || s.line > lines)
                __builtin_trap();
            if (selector)
                selector->matches(s);
        }
        e.familyNames();
        profile.apply(e);
        profile.apply(e, QStringLiteral("main"));
    }
    return 0;
}
