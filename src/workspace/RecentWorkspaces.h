#pragma once

#include <QStringList>

namespace poolscope {

// The workspaces opened recently, most recent first (at most kMax), kept in QSettings under
// "recent/workspaces" (the application and organization names the app sets say where). The first is the
// last workspace opened. Paths are absolute; a file that has gone stays listed until removed.
class RecentWorkspaces
{
public:
    static constexpr int kMax = 10;

    static QStringList paths();
    // Moves (or adds) `path` to the front.
    static void add(const QString& path);
    static void remove(const QString& path);
    // The last workspace opened, empty when none.
    static QString last();
};

} // namespace poolscope
