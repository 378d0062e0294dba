# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for capctl(1)                                  -*- shell-script -*-
# Installed as share/bash-completion/completions/capctl.

_capctl_caps() {
    # Capability names from the kernel's list as capsh(1) prints it, else a fixed list.
    local names
    names=$(capsh --print 2>/dev/null | sed -n 's/^Bounding set *=//p' | tr ',' ' ')
    [[ -n $names ]] || names="cap_chown cap_dac_override cap_dac_read_search cap_fowner
        cap_fsetid cap_kill cap_setgid cap_setuid cap_setpcap cap_net_bind_service
        cap_net_broadcast cap_net_admin cap_net_raw cap_ipc_lock cap_sys_module cap_sys_rawio
        cap_sys_chroot cap_sys_ptrace cap_sys_admin cap_sys_boot cap_sys_nice cap_sys_resource
        cap_sys_time cap_setfcap cap_syslog cap_wake_alarm cap_bpf cap_perfmon
        cap_checkpoint_restore"
    echo "$names"
}

_capctl() {
    local cur prev words cword
    _init_completion || return
    local cmd=${words[1]} sub=${words[2]}

    if ((cword == 1)); then
        COMPREPLY=($(compgen -W 'get set policy unit login audit profile --help --version' -- "$cur"))
        return
    fi
    if [[ $cmd == profile && $prev == --output ]]; then
        _filedir
        return
    fi
    case $prev in
        --root | --output | --templates)
            _filedir -d
            return
            ;;
        --policy | --policy-out | --config)
            _filedir
            return
            ;;
        --threads | --systemd-version | -n | --fail-above)
            return
            ;;
    esac
    case $cmd in
        get)
            COMPREPLY=($(compgen -W '-r -n -v --recursive --show-rootid --verbose --json --one-file-system --threads= --help' -- "$cur"))
            [[ $cur == -* ]] || _filedir
            ;;
        set)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '-q -v -n -f -r --dry-run --json --help' -- "$cur"))
            elif [[ $cur == cap_* || $cur == *,* || $cur == *=* ]]; then
                # Complete the name after the last ',', '=', '+' or '-'.
                local prefix=""
                [[ $cur =~ ^(.*[,=+-]) ]] && prefix=${BASH_REMATCH[1]}
                COMPREPLY=($(compgen -P "$prefix" -W "$(_capctl_caps)" -- "${cur#"$prefix"}"))
            else
                _filedir
            fi
            ;;
        policy)
            if ((cword == 2)); then
                COMPREPLY=($(compgen -W 'check apply verify diff --help' -- "$cur"))
            elif [[ $cur == -* ]]; then
                case $sub in
                    check) COMPREPLY=($(compgen -W '--root --json --help' -- "$cur")) ;;
                    apply) COMPREPLY=($(compgen -W '--root --package --dry-run --force-hardlinks --stage --unstage --json --daemon --local --help' -- "$cur")) ;;
                    *) COMPREPLY=($(compgen -W '--root --package --force-hardlinks --stage --unstage --json --daemon --local --help' -- "$cur")) ;;
                esac
            else
                _filedir yaml
            fi
            ;;
        unit)
            if ((cword == 2)); then
                COMPREPLY=($(compgen -W 'generate lint verify templates --help' -- "$cur"))
            elif [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--root --policy --templates --output --dir --systemd-version --json --help' -- "$cur"))
            fi
            ;;
        login)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--config --no-policy --root --json --help' -- "$cur"))
            else
                COMPREPLY=($(compgen -u -- "$cur"))
            fi
            ;;
        profile)
            # merge: options, then profiles (JSON files).
            if [[ $sub == merge ]]; then
                if [[ $cur == -* ]]; then
                    COMPREPLY=($(compgen -W '--output --help' -- "$cur"))
                else
                    _filedir json
                fi
                return
            fi
            if ((cword == 2)) && [[ $cur != -* ]]; then
                COMPREPLY=($(compgen -W 'merge' -- "$cur") $(compgen -c -- "$cur"))
                return
            fi
            # Options up to the command; after it, complete the command's own words.
            local i
            for ((i = 2; i < cword; i++)); do
                if [[ ${words[i]} != -* && ${words[i - 1]} != --user && ${words[i - 1]} != --group &&
                    ${words[i - 1]} != --output && ${words[i - 1]} != --timeout &&
                    ${words[i - 1]} != --pid && ${words[i - 1]} != --duration &&
                    ${words[i - 1]} != --unit ]]; then
                    _command_offset $i
                    return
                fi
            done
            case $prev in
                --user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
                --group) COMPREPLY=($(compgen -g -- "$cur")); return ;;
                --timeout | --duration) return ;;
                --pid) COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur")); return ;;
                --unit)
                    COMPREPLY=($(compgen -W "$(systemctl list-unit-files --type=service --no-legend \
                        --no-pager 2>/dev/null | awk '{print $1}')" -- "$cur"))
                    return
                    ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--user --group --output --no-verify --timeout --pid --unit --duration --json --help' -- "$cur"))
            else
                COMPREPLY=($(compgen -c -- "$cur"))
            fi
            ;;
        audit)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--root --json --policy-out --known --services --templates --fail-above --help' -- "$cur"))
            elif [[ " ${words[*]} " == *" --services "* ]]; then
                local units
                units=$(systemctl list-units --type=service --no-legend --plain 2>/dev/null | awk '{print $1}')
                COMPREPLY=($(compgen -W "$units" -- "$cur"))
            else
                _filedir -d
            fi
            ;;
    esac
}
complete -F _capctl capctl
