export {
  type AtomicWriteOptions,
  resolveSymlinks,
  writeFileAtomic,
} from './files/atomic-write.js';
export {
  FileLockError,
  type FileLockErrorCode,
  type FileLockOptions,
  withFileLock,
} from './files/lock.js';
