#pragma once

#include <QDialog>

class QTableWidget;

namespace poolscope {

class WindowActions;

// Help ▸ Keyboard Shortcuts: every action of the window with its menu path and keys, generated from the
// actions themselves (WindowActions::shortcutRows()), so the list cannot drift from the menus.
class ShortcutsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ShortcutsDialog(const WindowActions* actions, QWidget* parent = nullptr);

    QTableWidget* table() const { return m_table; }

private:
    QTableWidget* m_table = nullptr;
};

} // namespace poolscope
