#pragma once

#include <QFrame>

#include <optional>

class QLabel;
class QToolButton;

namespace poolscope {

struct TargetDiagnosis;

// The verdict on the selected target above its chart: one sentence an on-call engineer can paste into
// a channel, coloured by what it says (none/stable calm, growing warning or critical, unknown neutral
// with how much more polling it needs), and a Copy button that puts it on the clipboard. Computed at a past
// time cursor, it starts with that moment ("At 14:02:11 (time cursor) — ...").
class VerdictBanner : public QFrame
{
    Q_OBJECT
public:
    enum class Tone { Neutral, Calm, Warning, Critical };
    Q_ENUM(Tone)

    explicit VerdictBanner(QWidget* parent = nullptr);
    ~VerdictBanner() override;

    // nullptr: no target selected.
    void setDiagnosis(const TargetDiagnosis* diagnosis);
    QString text() const { return m_text; }
    Tone tone() const { return m_tone; }
    QToolButton* copyButton() const { return m_copy; }

    static Tone toneOf(const TargetDiagnosis& diagnosis);

    void copyToClipboard() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyTone();
    void setLabel(const QString& html, const QString& toolTip);

    QLabel* m_label = nullptr;
    QToolButton* m_copy = nullptr;
    QString m_text;
    Tone m_tone = Tone::Neutral;
    std::optional<Tone> m_appliedTone; // the tone of the style sheet set
};

} // namespace poolscope
