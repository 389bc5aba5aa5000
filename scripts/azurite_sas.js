#!/usr/bin/env node
// Prints an account SAS for Azurite's well-known development account `devstoreaccount1`,
// signed with its published key: blob service, every resource type, read, add, create, write,
// delete and list, valid for a day (or the hours given as the first argument).
// For the emulator only: the key is public, and Azurite is reached over plain HTTP on loopback.
//
// Usage: node scripts/azurite_sas.js [HOURS]
"use strict";
const crypto = require("crypto");

const account = "devstoreaccount1";
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const version = "2020-12-06";
const hours = Number(process.argv[2] || 24);
const expiry = new Date(Date.now() + hours * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const fields = { sp: "racwdl", ss: "b", srt: "sco", se: expiry };
// The account SAS string-to-sign of version 2020-12-06: account, permissions, services,
// resource types, start, expiry, IP range, protocol, version, encryption scope, and a final
// newline.
const toSign = [account, fields.sp, fields.ss, fields.srt, "", fields.se, "", "", version, "", ""].join("\n");
const sig = crypto.createHmac("sha256", Buffer.from(key, "base64")).update(toSign, "utf8").digest("base64");
const query = new URLSearchParams({ sv: version, ss: fields.ss, srt: fields.srt, sp: fields.sp, se: fields.se, sig });
process.stdout.write(query.toString() + "\n");
