# Precompiled Qt headers for clean builds (CI builds the tree twice from nothing: most of that time is the
# compiler reading Qt's headers again for every file). Off by default: development builds go through ccache,
# which does not cache files compiled against a precompiled header, and building without one keeps every
# file's own #includes honest.
#
# Two shared headers, each compiled once and reused by every target of its kind (REUSE_FROM):
#   core - QtCore and QtNetwork: the widget-free layers of src/ and the tests that link only them;
#   gui  - the same plus QtGui and QtWidgets: ui/, the app and the tests that link poolscope_ui.
# Neither holds QtTest, whose macros depend on which Qt modules a test links (QT_WIDGETS_LIB, QT_GUI_LIB).
option(POOLSCOPE_PCH "Precompile Qt's headers once per build (faster clean builds; for CI)" OFF)

if(POOLSCOPE_PCH)
    set(pch_dir "${CMAKE_CURRENT_BINARY_DIR}/pch")
    file(MAKE_DIRECTORY "${pch_dir}")
    file(WRITE "${pch_dir}/empty.cpp" "// Hosts a precompiled header (cmake/PrecompiledHeaders.cmake).\n")

    # gcc uses a precompiled header only where every macro defined when it was built is defined the same way,
    # so a host defines no more of Qt's QT_<MODULE>_LIB than each of its users: it links QtCore and only
    # sees the other modules' headers.
    add_library(poolscope_pch_core STATIC "${pch_dir}/empty.cpp")
    target_link_libraries(poolscope_pch_core PRIVATE Qt6::Core)
    target_include_directories(poolscope_pch_core SYSTEM PRIVATE
        $<TARGET_PROPERTY:Qt6::Network,INTERFACE_INCLUDE_DIRECTORIES>)
    target_precompile_headers(poolscope_pch_core PRIVATE <QtCore/QtCore> <QtNetwork/QtNetwork>)

    if(NOT POOLSCOPE_BUILD_FUZZ)
        add_library(poolscope_pch_gui STATIC "${pch_dir}/empty.cpp")
        target_link_libraries(poolscope_pch_gui PRIVATE Qt6::Core)
        target_include_directories(poolscope_pch_gui SYSTEM PRIVATE
            $<TARGET_PROPERTY:Qt6::Network,INTERFACE_INCLUDE_DIRECTORIES>
            $<TARGET_PROPERTY:Qt6::Widgets,INTERFACE_INCLUDE_DIRECTORIES>)
        # Every user of this one links poolscope_core (QtNetwork) and QtWidgets (QtGui).
        target_compile_definitions(poolscope_pch_gui PRIVATE QT_NETWORK_LIB QT_GUI_LIB QT_WIDGETS_LIB)
        target_precompile_headers(poolscope_pch_gui PRIVATE <QtCore/QtCore> <QtNetwork/QtNetwork> <QtGui/QtGui>
            <QtWidgets/QtWidgets>)
    endif()
endif()

# poolscope_use_pch(TARGET core|gui): TARGET's files start from that precompiled header (when POOLSCOPE_PCH).
function(poolscope_use_pch target kind)
    if(POOLSCOPE_PCH)
        target_precompile_headers(${target} REUSE_FROM poolscope_pch_${kind})
    endif()
endfunction()
