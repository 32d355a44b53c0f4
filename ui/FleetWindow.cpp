#include "FleetWindow.h"

#include "FleetPane.h"
#include "Theme.h"

using namespace Qt::StringLiterals;

namespace poolscope {

FleetWindow::FleetWindow(FleetSource* source, const QString& prometheusUrl, QWidget* parent)
    : QMainWindow(parent)
    , m_pane(new FleetPane(source, this))
{
    setWindowTitle(u"PoolScope — fleet from %1"_s.arg(prometheusUrl));
    setWindowIcon(Theme::appIcon());
    setCentralWidget(m_pane);
    resize(1000, 600);
}

FleetWindow::~FleetWindow() = default;

} // namespace poolscope
