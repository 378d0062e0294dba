# SPDX-License-Identifier: LGPL-2.1-or-later
# cmake -DBASE=capsetd.service (configured) -DGENERATED=dropin -DOUT=capsetd.service -P ...
# Appends the [Service] part of `capctl unit generate`'s output to the unit's base.
file(READ "${BASE}" base)
file(READ "${GENERATED}" generated)
string(FIND "${generated}" "[Service]" at)
if(at LESS 0)
  message(FATAL_ERROR "${GENERATED}: no [Service] section from capctl unit generate")
endif()
string(SUBSTRING "${generated}" ${at} -1 service)
file(WRITE "${OUT}.tmp" "${base}
# Generated from capsetd/capsetd.yaml by capctl unit generate: change the policy, not this.
${service}")
file(RENAME "${OUT}.tmp" "${OUT}")
