import { ParquetWriter } from 'hyparquet-writer';
it('loads', () => { expect(typeof ParquetWriter).toBe('function'); });
