// Everyday polish of the window (issue 12 part 6): whole-number chart ticks, a shortcut for every action and
// the list of them, a dark palette that stays readable, sharp --scale 2 screenshots, --theme dark.
#include "MainWindow.h"
#include "RouteChart.h"
#include "ShortcutsDialog.h"
#include "SyntheticWorkspace.h"
#include "Theme.h"
#include "WholeNumberAxis.h"
#include "WindowActions.h"
#include "analysis/Diagnosis.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QImage>
#include <QMenuBar>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

#include <cmath>
#include <set>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

struct Window
{
    Session session { test::syntheticWorkspace({ u"web"_s }, u"http://127.0.0.1:9/health"_s) };
    ViewState view;
    Diagnosis diagnosis { &session, &view };
    MainWindow window { &session, &view, &diagnosis };
};

// The labels a whole-number axis draws: every tick from its minimum to its maximum.
QStringList tickLabels(const QValueAxis* axis)
{
    QStringList labels;
    for (double v = axis->min(); v <= axis->max() + 1e-9; v += axis->tickInterval())
        labels.append(QString::asprintf(axis->labelFormat().toLatin1().constData(), static_cast<int>(std::lround(v))));
    return labels;
}

// Each text colour of the palette on the background it is drawn on.
const std::pair<QPalette::ColorRole, QPalette::ColorRole> kTextOnBackground[] = {
    { QPalette::WindowText, QPalette::Window },
    { QPalette::Text, QPalette::Base },
    { QPalette::Text, QPalette::AlternateBase },
    { QPalette::ButtonText, QPalette::Button },
    { QPalette::HighlightedText, QPalette::Highlight },
    { QPalette::ToolTipText, QPalette::ToolTipBase },
    { QPalette::PlaceholderText, QPalette::Base },
};

} // namespace

class TestPolishUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }
    void cleanup() { Theme::apply(Theme::Scheme::System); }
    void cleanupTestCase() { QSettings().clear(); }

    void wholeNumberAxis_data()
    {
        QTest::addColumn<double>("highest");
        QTest::addColumn<double>("minimumTop");
        QTest::addColumn<double>("top");
        QTest::addColumn<double>("step");
        QTest::newRow("nothing") << 0.0 << 1.0 << 1.0 << 1.0;
        QTest::newRow("two") << 2.0 << 1.0 << 2.0 << 1.0;
        QTest::newRow("a fraction above two") << 2.2 << 1.0 << 3.0 << 1.0;
        QTest::newRow("six") << 6.0 << 1.0 << 6.0 << 1.0;
        QTest::newRow("seven") << 7.0 << 1.0 << 8.0 << 2.0;
        QTest::newRow("timeline minimum") << 1.0 << 5.0 << 5.0 << 1.0;
        QTest::newRow("hundreds") << 333.0 << 1.0 << 400.0 << 100.0;
        QTest::newRow("not a number") << qQNaN() << 1.0 << 1.0 << 1.0;
    }
    void wholeNumberAxis()
    {
        QFETCH(double, highest);
        QFETCH(double, minimumTop);
        QFETCH(double, top);
        QFETCH(double, step);
        QValueAxis axis;
        WholeNumberAxis::setUp(&axis);
        WholeNumberAxis::fit(&axis, highest, minimumTop);
        QCOMPARE(axis.min(), 0.0);
        QCOMPARE(axis.max(), top);
        QCOMPARE(axis.tickInterval(), step);
        QCOMPARE(axis.tickType(), QValueAxis::TicksDynamic);
        QCOMPARE(axis.labelFormat(), u"%d"_s);
    }

    // The route chart with no route drew "2, 2, 1, 1, 0" on its axes: now every label is a distinct whole number.
    void emptyRouteChartHasWholeNumberTicks()
    {
        Window w;
        auto* chart = w.window.findChild<RouteChart*>();
        QVERIFY(chart);
        chart->setRoute(nullptr);
        const QList<QAbstractAxis*> axes = chart->findChild<QChartView*>()->chart()->axes(Qt::Vertical);
        QCOMPARE(axes.size(), 2);
        for (QAbstractAxis* a : axes) {
            auto* axis = qobject_cast<QValueAxis*>(a);
            QVERIFY(axis);
            const QStringList labels = tickLabels(axis);
            QCOMPARE(labels, (QStringList { u"0"_s, u"1"_s }));
        }
    }

    void everyActionHasItsOwnShortcut()
    {
        Window w;
        WindowActions* actions = w.window.windowActions();
        std::set<QString> seen;
        for (int i = 0; i < WindowActions::kCount; ++i) {
            const QAction* action = actions->action(static_cast<WindowActions::Id>(i));
            QVERIFY2(!action->shortcut().isEmpty(), qPrintable(action->objectName()));
            const QString keys = action->shortcut().toString(QKeySequence::PortableText);
            QVERIFY2(seen.insert(keys).second, qPrintable(keys + u" is given twice"_s));
        }
    }

    // Help ▸ Keyboard Shortcuts lists every action, with its menu path and keys, generated from the actions.
    void shortcutsDialogListsEveryAction()
    {
        Window w;
        WindowActions* actions = w.window.windowActions();
        QAction* open = actions->action(WindowActions::Id::KeyboardShortcuts);
        QCOMPARE(open->shortcut(), QKeySequence(u"Ctrl+F1"_s));
        open->trigger();
        auto* dialog = w.window.findChild<ShortcutsDialog*>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        const QTableWidget* table = dialog->table();
        QCOMPARE(table->rowCount(), WindowActions::kCount + 1); // + the chart's Left/Right
        QStringList paths;
        for (int row = 0; row < table->rowCount(); ++row) {
            paths.append(table->item(row, 0)->text());
            QVERIFY2(!table->item(row, 1)->text().isEmpty(), qPrintable(paths.last()));
        }
        QVERIFY(paths.contains(u"File ▸ Export ▸ Timeline CSV"_s));
        QVERIFY(paths.contains(u"View ▸ Theme ▸ Dark"_s));
        QVERIFY(paths.contains(u"Demo ▸ Stop the leak"_s));
        QVERIFY(paths.contains(u"Timeline ▸ Pause"_s));
        const int timeline = static_cast<int>(paths.indexOf(u"File ▸ Export ▸ Timeline CSV"_s));
        QCOMPARE(table->item(timeline, 1)->text(), QKeySequence(u"Ctrl+E, T"_s).toString(QKeySequence::NativeText));
        // Opening it again shows the same dialog.
        open->trigger();
        QCOMPARE(w.window.findChildren<ShortcutsDialog*>().size(), 1);
    }

    void paletteContrast_data()
    {
        QTest::addColumn<Theme::Scheme>("scheme");
        QTest::newRow("light") << Theme::Scheme::Light;
        QTest::newRow("dark") << Theme::Scheme::Dark;
    }
    // WCAG 2: text at least 4.5:1 against its background, chart lines at least 3:1 against the plot.
    void paletteContrast()
    {
        QFETCH(Theme::Scheme, scheme);
        Window w;
        w.window.setTheme(scheme);
        const QPalette p = QApplication::palette();
        QCOMPARE(Theme::isDark(), scheme == Theme::Scheme::Dark);
        for (const auto& [text, background] : kTextOnBackground) {
            const double ratio = Theme::contrastRatio(p.color(text), p.color(background));
            QVERIFY2(ratio >= 4.5, qPrintable(u"%1 on %2: %3"_s.arg(text).arg(background).arg(ratio)));
        }
        using Level = TargetsModel::StateLevel;
        for (const Level level : { Level::Waiting, Level::Ok, Level::Warning, Level::Critical, Level::Failing }) {
            for (const auto background : { QPalette::Base, QPalette::AlternateBase, QPalette::Window }) {
                const double ratio = Theme::contrastRatio(Theme::stateColor(level), p.color(background));
                QVERIFY2(ratio >= 4.5,
                    qPrintable(u"%1 on %2: %3"_s.arg(Theme::stateName(level)).arg(background).arg(ratio)));
            }
        }
        QVERIFY(Theme::contrastRatio(Theme::errorColor(), p.color(QPalette::Window)) >= 4.5);
        using Mark = BackendsModel::Mark;
        for (const Mark mark :
            { Mark::LongIdle, Mark::IdleInTransaction, Mark::LongIdleInTransaction, Mark::Withheld }) {
            const double ratio = Theme::contrastRatio(Theme::markForeground(mark), Theme::markBackground(mark));
            QVERIFY2(ratio >= 4.5, qPrintable(u"mark %1: %2"_s.arg(static_cast<int>(mark)).arg(ratio)));
        }
        for (int line = 0; line < static_cast<int>(Theme::Line::NumLines); ++line) {
            const double ratio
                = Theme::contrastRatio(Theme::lineColor(static_cast<Theme::Line>(line)), p.color(QPalette::Base));
            QVERIFY2(ratio >= 3, qPrintable(u"line %1: %2"_s.arg(line).arg(ratio)));
        }
        // The chart follows: its background is the palette's base, its labels its text.
        QChart* chart = w.window.findChild<RouteChart*>()->findChild<QChartView*>()->chart();
        QTRY_COMPARE(chart->backgroundBrush().color(), p.color(QPalette::Base)); // the change reaches it posted
        QCOMPARE(chart->axes(Qt::Vertical).first()->labelsColor(), p.color(QPalette::Text));
    }

    void themeIsRememberedOnlyFromTheMenu()
    {
        Window w;
        w.window.setTheme(Theme::Scheme::Dark);
        QCOMPARE(Theme::remembered(), Theme::Scheme::System);
        QVERIFY(w.window.windowActions()->action(WindowActions::Id::ThemeDark)->isChecked());
        w.window.windowActions()->action(WindowActions::Id::ThemeLight)->trigger();
        QCOMPARE(Theme::current(), Theme::Scheme::Light);
        QCOMPARE(Theme::remembered(), Theme::Scheme::Light);
        QVERIFY(!Theme::isDark());
        Window next; // a new window shows the current scheme checked
        QVERIFY(next.window.windowActions()->action(WindowActions::Id::ThemeLight)->isChecked());
        QSettings().clear();
    }

    // poolscope screenshot --scale 2: twice the pixels in each direction; --theme dark: a dark window.
    void scaledAndDarkScreenshots()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto shoot = [&](const QString& name, const QStringList& extra) {
            QProcess p;
            p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(u"XDG_CONFIG_HOME"_s, dir.filePath(u"config"_s)); // nothing remembered
            env.insert(u"POOLSCOPE_RECORD"_s, u"0"_s);
            p.setProcessEnvironment(env);
            const QString out = dir.filePath(name);
            // A target on a closed loopback port: the window shows it failing.
            p.start(QStringLiteral(POOLSCOPE_BINARY),
                QStringList { u"screenshot"_s, u"--health"_s, u"http://127.0.0.1:9/health"_s, u"--after"_s, u"1"_s,
                    u"--size"_s, u"800x600"_s, u"--out"_s, out }
                    + extra);
            if (!p.waitForFinished(120000) || p.exitCode() != 0)
                return QImage();
            return QImage(out);
        };
        const QImage normal = shoot(u"normal.png"_s, {});
        const QImage scaled = shoot(u"scaled.png"_s, { u"--scale"_s, u"2"_s });
        const QImage dark = shoot(u"dark.png"_s, { u"--theme"_s, u"dark"_s });
        QVERIFY(!normal.isNull() && !scaled.isNull() && !dark.isNull());
        QCOMPARE(normal.width(), 800);
        QCOMPARE(scaled.width(), 2 * normal.width());
        QVERIFY2(std::abs(scaled.height() - 2 * normal.height()) <= 4,
            qPrintable(u"%1 vs %2"_s.arg(scaled.height()).arg(normal.height())));
        const auto meanLightness = [](const QImage& image) {
            const QImage window = image.copy(0, 0, image.width(), image.height() * 3 / 4); // not the caption
            double sum = 0;
            int n = 0;
            for (int y = 0; y < window.height(); y += 4) {
                for (int x = 0; x < window.width(); x += 4, ++n)
                    sum += window.pixelColor(x, y).lightness();
            }
            return sum / n;
        };
        QVERIFY2(meanLightness(normal) > 160, qPrintable(QString::number(meanLightness(normal))));
        QVERIFY2(meanLightness(dark) < 90, qPrintable(QString::number(meanLightness(dark))));
    }
};

QTEST_MAIN(TestPolishUi)
#include "tst_polishui.moc"
