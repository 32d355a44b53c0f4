# Writes a man page for poolscope and one for each of its sub-commands, from their --help texts:
#   poolscope(1) from `poolscope --help`, poolscope-NAME(1) from `poolscope NAME --help`.
# The sub-commands are those `poolscope --help` lists ("  poolscope NAME ..."), so a new one gets its page
# without a change here (a line for its NAME section below is welcome).
#   cmake -DPOOLSCOPE=<binary> -DOUT=<dir> -DVERSION=<x.y.z> -P ManPages.cmake
foreach(var POOLSCOPE OUT VERSION)
    if(NOT ${var})
        message(FATAL_ERROR "ManPages.cmake: -D${var}=... is required")
    endif()
endforeach()

# The NAME line of each page; a sub-command missing here gets a generic one.
set(summary_ "watch PostgreSQL connection pools and explain their discrepancies")
set(summary_status "poll the targets and databases once and print their state, for scripts and monitoring")
set(summary_explain "watch the targets, then say whether each discrepancy is a stable baseline or a leak")
set(summary_record "record the targets and databases headless to a recording file")
set(summary_convert "rewrite a format-1 (SQLite) recording in the current recording format")
set(summary_export "export a recording's timeline, routes, backends or events as CSV")
set(summary_screenshot "save a PNG or SVG screenshot of the window or its chart, live or from a recording")
set(summary_agent "serve the monitor's state over HTTP (Prometheus /metrics and a JSON API)")

# Text made safe for roff: backslashes, minus signs, and lines that would start a request.
function(roff_escape text out)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "-" "\\-" text "${text}")
    # (CMake's ^ matches again after each replacement: anchor on a newline put in front instead)
    string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" text "\n${text}")
    string(SUBSTRING "${text}" 1 -1 text)
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(help_of name out)
    if(name STREQUAL "")
        execute_process(COMMAND ${POOLSCOPE} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
    else()
        execute_process(COMMAND ${POOLSCOPE} ${name} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
    endif()
    if(NOT rc EQUAL 0 OR NOT text MATCHES "^Usage:\n")
        message(FATAL_ERROR "ManPages.cmake: `poolscope ${name} --help` failed (${rc}) or printed no usage")
    endif()
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_of("" usage)
string(REGEX MATCHALL "\n  poolscope [a-z]+ " lines "${usage}")
set(commands "")
foreach(line IN LISTS lines)
    string(REGEX REPLACE "\n  poolscope ([a-z]+) " "\\1" name "${line}")
    list(APPEND commands ${name})
endforeach()
list(REMOVE_DUPLICATES commands)

set(see_also ".BR poolscope (1)")
foreach(name IN LISTS commands)
    string(APPEND see_also ",\n.BR poolscope\\-${name} (1)")
endforeach()

file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
foreach(name "" ${commands})
    if(name STREQUAL "")
        set(page poolscope)
    else()
        set(page poolscope-${name})
    endif()
    if(DEFINED summary_${name})
        set(summary "${summary_${name}}")
    else()
        set(summary "the poolscope ${name} sub-command")
    endif()
    help_of("${name}" help)
    # "Usage:\n<synopsis lines>\n\n<note>\n\n<note>...": the synopsis as laid out, the notes as paragraphs.
    string(REGEX REPLACE "^Usage:\n" "" help "${help}")
    string(REGEX REPLACE "\n+$" "" help "${help}")
    string(FIND "${help}" "\n\n" split)
    if(split EQUAL -1)
        set(synopsis "${help}")
        set(notes "")
    else()
        string(SUBSTRING "${help}" 0 ${split} synopsis)
        math(EXPR split "${split} + 2")
        string(SUBSTRING "${help}" ${split} -1 notes)
    endif()
    # Usage lines lose the usage's indent; their explanations (column 45 in --help) are indented by 8.
    string(REGEX REPLACE "\n                                        *" "\n        " synopsis "\n${synopsis}")
    string(REGEX REPLACE "\n  " "\n" synopsis "${synopsis}")
    string(SUBSTRING "${synopsis}" 1 -1 synopsis)
    roff_escape("${synopsis}" synopsis)
    roff_escape("${notes}" notes)
    roff_escape("${summary}" summary_roff)
    string(REPLACE "\n\n" "\n.PP\n" notes "${notes}")
    string(TOUPPER "${page}" title)
    string(REPLACE "-" "\\-" page_roff "${page}")
    file(WRITE ${OUT}/${page}.1
        ".\\\" Generated from `poolscope ${name} --help` by installers/ManPages.cmake; do not edit.\n"
        ".TH \"${title}\" \"1\" \"\" \"PoolScope ${VERSION}\" \"User Commands\"\n"
        ".SH NAME\n${page_roff} \\- ${summary_roff}\n"
        ".SH SYNOPSIS\n.nf\n${synopsis}\n.fi\n"
        ".SH DESCRIPTION\n${notes}\n"
        ".SH \"SEE ALSO\"\n${see_also}\n")
    execute_process(COMMAND gzip -9nf ${OUT}/${page}.1 RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "ManPages.cmake: gzip ${page}.1 failed")
    endif()
endforeach()
