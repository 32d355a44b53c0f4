#include "RecentWorkspaces.h"

#include <QFileInfo>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

const QString kKey = u"recent/workspaces"_s;

void store(const QStringList& paths)
{
    QSettings settings;
    settings.setValue(kKey, paths);
}

} // namespace

QStringList RecentWorkspaces::paths()
{
    QSettings settings;
    return settings.value(kKey).toStringList();
}

void RecentWorkspaces::add(const QString& path)
{
    if (path.isEmpty())
        return;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = paths();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMax)
        list.removeLast();
    store(list);
}

void RecentWorkspaces::remove(const QString& path)
{
    QStringList list = paths();
    if (list.removeAll(path) > 0)
        store(list);
}

QString RecentWorkspaces::last()
{
    const QStringList list = paths();
    return list.isEmpty() ? QString() : list.first();
}

} // namespace poolscope
