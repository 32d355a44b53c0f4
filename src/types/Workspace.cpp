#include "Workspace.h"

namespace poolscope {

const TargetConfig* Workspace::target(const QString& name) const
{
    for (const auto& t : targets) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

const DatabaseConfig* Workspace::database(const QString& name) const
{
    for (const auto& d : databases) {
        if (d.name == name)
            return &d;
    }
    return nullptr;
}

const PoolerConfig* Workspace::pooler(const QString& name) const
{
    for (const auto& p : poolers) {
        if (p.name == name)
            return &p;
    }
    return nullptr;
}

} // namespace poolscope
