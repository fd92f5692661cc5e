/**
 * Pushes: create-repo, preupload (unchanged files left out), LFS batch uploads (basic and multipart) and the NDJSON
 * commit.
 */
package dev.smelt.hub.internal.upload;
