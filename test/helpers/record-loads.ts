/** `node --import` this file to record every module the process loads (see load-recorder.ts). */
import { register } from 'node:module';

register('./load-recorder.js', import.meta.url);
