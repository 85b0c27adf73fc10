import {Command} from '@oclif/core'

export default class Hello extends Command {
  static description = 'Print a line.'

  async run() {
    this.log('hello')
  }
}
