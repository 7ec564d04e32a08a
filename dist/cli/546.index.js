export const id = 546;
export const ids = [546];
export const modules = {

/***/ 4546:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   TarReader: () => (/* binding */ TarReader)
/* harmony export */ });
/* harmony import */ var tar_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6118);
// Reads a tar stream — what `docker cp CONTAINER:PATH -` writes — incrementally, so a file's mode, owner
// and content can be checked without starting the container (its entrypoint never runs), and without
// reading a whole directory tree when only its first entry matters: the caller stops the stream early.
//
// The parsing is tar-stream's. It replaced a reader of our own (158 lines) that agreed with it on every
// archive an engine writes but looped forever on a malformed header, misread GNU long link names and
// contiguous files, and never checked a header's checksum (test/unit/parity-tar.test.ts, which now holds
// tar-stream, through this file, against GNU tar's own reading). Its cost, measured with ncc and
// scripts/bundle.mjs's options: 77 KB more bundle (83,367 bytes against 6,110), and 11-16 ms more for the
// import and first read, paid only by runs that read files out of an image: files.ts loads this module
// when it first does.

const TYPES = {
    file: 'file',
    // POSIX and GNU tar read a contiguous file ('7') as a regular one.
    'contiguous-file': 'file',
    link: 'hardlink',
    symlink: 'symlink',
    'character-device': 'char',
    'block-device': 'block',
    directory: 'directory',
    fifo: 'fifo',
};
function entryOf(h) {
    const type = h.type ? TYPES[h.type] : 'other';
    const pax = h.pax ?? {};
    return {
        path: h.name,
        // Engines before 20.10 wrote Go's file-type bits (0100000 for a regular file) into the mode field.
        mode: h.mode & 0o7777,
        // tar-stream keeps a pax uid/gid in the records only; docker writes one for every id past 2097151.
        uid: pax.uid !== undefined ? Number(pax.uid) : h.uid,
        gid: pax.gid !== undefined ? Number(pax.gid) : h.gid,
        size: h.size,
        type,
        linkTarget: type === 'symlink' || type === 'hardlink' ? (h.linkname ?? '') : undefined,
    };
}
/**
 * Feed chunks to `push`; each complete entry goes to `onEntry`, which may answer 'stop'. `push` answers true
 * once reading should stop (asked to, the archive ended, or it is malformed); `end` waits for the entries
 * still being read and throws what was wrong with the archive, if anything.
 */
class TarReader {
    // v7 archives have no ustar magic; the header checksum still tells a tar header from anything else.
    extract = (0,tar_stream__WEBPACK_IMPORTED_MODULE_0__.extract)({ allowUnknownFormat: true });
    stopped = false;
    done;
    constructor(maxContentBytes, onEntry) {
        this.done = this.read(maxContentBytes, onEntry).finally(() => {
            this.stopped = true;
        });
        // What went wrong is end()'s to throw; until it is called, the rejection must not count as unhandled.
        this.done.catch(() => undefined);
    }
    async read(maxContentBytes, onEntry) {
        for await (const source of this.extract) {
            const entry = entryOf(source.header);
            const kept = [];
            let n = 0;
            // The rest of a file past the limit is read and dropped: the next header follows it.
            for await (const data of source) {
                const part = data.subarray(0, Math.max(0, maxContentBytes - n));
                if (part.length > 0)
                    kept.push(part);
                n += part.length;
            }
            if (entry.type === 'file') {
                entry.content = Buffer.concat(kept);
                entry.truncated = n < entry.size;
            }
            if (onEntry(entry) === 'stop') {
                this.stopped = true;
                return; // leaving the loop destroys the extract stream: nothing more is parsed
            }
        }
    }
    push(chunk) {
        if (!this.stopped)
            this.extract.write(chunk);
        return this.stopped;
    }
    async end() {
        if (!this.stopped)
            this.extract.end(null);
        await this.done;
    }
}


/***/ })

};
