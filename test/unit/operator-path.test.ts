import { describe, expect, it } from 'vitest';
import { operatorDir } from '../../config/operator-path';
import { paths } from '../../scripts/lib/paths';

describe('operatorDir: where relative paths the operator typed start from', () => {
  it('is the folder npm was started in when npm ran the CLI in the checkout', () => {
    expect(operatorDir({ INIT_CWD: '/home/ops', npm_lifecycle_event: 'resync' }, paths.root)).toBe('/home/ops');
  });

  it('is the working folder when the CLI was started some other way', () => {
    expect(operatorDir({ INIT_CWD: '/home/ops' }, paths.root)).toBe(paths.root);
    expect(operatorDir({}, '/srv/resync')).toBe('/srv/resync');
  });

  it('is the working folder when a script moved somewhere else itself', () => {
    expect(operatorDir({ INIT_CWD: '/home/ops', npm_lifecycle_event: 'other' }, '/srv/elsewhere')).toBe('/srv/elsewhere');
  });
});
