#include "WorkspaceEdit.h"

#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace poolscope {

WorkspaceResult withTargetField(Workspace workspace, const QString& target, const QString& key, const QString& value)
{
    WorkspaceResult result;
    auto it = std::find_if(workspace.targets.begin(), workspace.targets.end(),
        [&target](const TargetConfig& t) { return t.name == target; });
    if (it == workspace.targets.end()) {
        result.errors.append(u"targets: no target named \"%1\""_s.arg(target));
        return result;
    }
    it->fields.insert(key, value);
    result.errors = validateWorkspace(workspace);
    if (result.errors.isEmpty())
        result.workspace = std::move(workspace);
    return result;
}

WorkspaceResult writeTargetField(const QString& path, const QString& target, const QString& key, const QString& value)
{
    if (path.isEmpty()) {
        WorkspaceResult result;
        result.errors.append(u"the targets come from command-line flags, not a workspace file: nothing to save to"_s);
        return result;
    }
    WorkspaceResult loaded = loadWorkspace(path);
    if (!loaded.ok())
        return loaded;
    const QString absolutePath = loaded.workspace->path;
    WorkspaceResult result = withTargetField(std::move(*loaded.workspace), target, key, value);
    if (!result.ok()) {
        for (QString& error : result.errors)
            error = path % u": "_s % error;
        return result;
    }
    result.workspace->path = absolutePath;

    const QByteArray json = workspaceToJson(*result.workspace);
    const WorkspaceResult reread = parseWorkspace(json, path);
    if (!reread.ok() || !(*reread.workspace == *result.workspace)) {
        WorkspaceResult failed;
        failed.errors = reread.errors;
        failed.errors.prepend(path % u": the workspace would not load back as written; the file is unchanged"_s);
        return failed;
    }

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        WorkspaceResult failed;
        failed.errors.append(u"%1: cannot write the workspace: %2"_s.arg(path, file.errorString()));
        return failed;
    }
    return result;
}

} // namespace poolscope
