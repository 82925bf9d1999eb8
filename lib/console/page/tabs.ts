/** The console's tabs, in the order the page shows them (one import per tab). */
import type { ConsoleTab } from './context';
import { generatorTab } from './generator';
import { lakeTab } from './lake';

export const TABS: ConsoleTab[] = [generatorTab, lakeTab];
